"""Downloads of a locked plan version: pure functions from a LockedVersion to the bytes of each format."""

from forum.exports.archive import render_zip
from forum.exports.canonical import IntegrityError, LockedVersion, canonical_json, sha256_hex
from forum.exports.formats import FILE_FORMATS, ExportFormat, filename

FORMATS: dict[str, ExportFormat] = {**FILE_FORMATS, "zip": ExportFormat(render_zip, "application/zip", "zip")}

__all__ = [
    "FORMATS",
    "ExportFormat",
    "IntegrityError",
    "LockedVersion",
    "canonical_json",
    "filename",
    "sha256_hex",
]

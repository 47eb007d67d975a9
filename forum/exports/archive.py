"""Every format of a locked version in one deterministic zip."""

from forum.exports.canonical import LockedVersion
from forum.exports.formats import FILE_FORMATS, filename
from forum.exports.zipped import zip_bytes, zip_time


def render_zip(version: LockedVersion) -> bytes:
    """A zip holding each single-file format under its download name, stamped with the lock time."""
    members = [(filename(version, fmt), spec.render(version)) for fmt, spec in FILE_FORMATS.items()]
    return zip_bytes(members, zip_time(version.document["version"]["locked_at"]))

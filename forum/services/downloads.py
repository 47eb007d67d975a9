"""Serving a locked version's outputs: who may download, and the audit of each download."""

from forum.exports import FORMATS, LockedVersion, filename
from forum.models.version import PlanVersion
from forum.services import ServiceError
from forum.services.audit import record
from forum.services.lock import get_version


def locked_version(forum_id: int, number: int) -> tuple[PlanVersion, LockedVersion]:
    """The stored version and its integrity-checked document (ServiceError not_found)."""
    row = get_version(forum_id, number)
    return row, LockedVersion.from_canonical(row.canonical_json, row.sha256)


def export(forum_id: int, number: int, fmt: str, actor_id: int | None) -> tuple[bytes, str, str]:
    """Render one format of a locked version and audit the download; returns bytes, media type, name."""
    if fmt not in FORMATS:
        raise ServiceError(
            f"Unknown format {fmt!r}: use one of {', '.join(sorted(FORMATS))}.", code="not_found"
        )
    _row, version = locked_version(forum_id, number)
    export_format = FORMATS[fmt]
    body = export_format.render(version)
    record("version.download", actor_id=actor_id, forum_id=forum_id, version=number, format=fmt)
    return body, export_format.media_type, filename(version, fmt)

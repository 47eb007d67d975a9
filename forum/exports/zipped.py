"""Zip archives whose bytes depend only on their members: fixed timestamps, order and attributes."""

import io
import zipfile
from datetime import datetime


def zip_time(iso_datetime: str) -> tuple[int, int, int, int, int, int]:
    """The wall-clock time of an ISO 8601 instant as a ZipInfo date_time (zip has no time zone)."""
    moment = datetime.fromisoformat(iso_datetime)
    return (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second - moment.second % 2,
    )


def zip_bytes(members: list[tuple[str, bytes]], date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """A deflated zip of (name, bytes) members in the given order, every entry stamped date_time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the host, so the bytes do not depend on the platform
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def restamp(archive: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The same zip (e.g. a .docx) rewritten with fixed timestamps, so it is deterministic."""
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    return zip_bytes(members, date_time)

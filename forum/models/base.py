"""Column helpers shared by the models."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time in UTC; used as a callable column default."""
    return datetime.now(UTC)

"""Entries: the items in a forum's panels. Their text lives in the forum's live document."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.agency import Agency
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class Entry(db.Model):
    __tablename__ = "entries"
    __table_args__ = (Index("ix_entries_forum_panel", "forum_id", "panel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    # The key of the panel in the forum's formulation template, e.g. "protective".
    panel: Mapped[str] = mapped_column(String(32))
    # Contiguous from 0 among the entries of one panel that are not removed.
    position: Mapped[int]
    # Attribution, decided by the server from the signed-in user.
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_input: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    remover: Mapped[User | None] = relationship(foreign_keys=[removed_by], lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")

    @property
    def root_name(self) -> str:
        """The name of the shared Text holding this entry's text in the forum's document."""
        return f"entry:{self.id}"

    def __repr__(self) -> str:
        return f"<Entry {self.id}>"

"""Yjs clients whose changes a forum refused for good: nothing more of theirs is accepted."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow


class FrozenClient(db.Model):
    """A CRDT client id refused `forbidden` or `locked` in a forum, frozen at the clock it had then.

    Its later items (clock >= `clock`) build on the refused ones or are the refused ones sent again
    (a rejoining browser sends everything the server lacks), so they are refused too; the browser
    starts again with a new document and a new client id.
    """

    __tablename__ = "frozen_clients"

    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    clock: Mapped[int] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

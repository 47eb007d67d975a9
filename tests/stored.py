"""What the database holds of a forum's live document, read as a fresh process would (for tests)."""

from forum.live.room import stored_since
from forum.live.store import Missed, SqlDocumentStore, texts_of


def stored(forum_id: int) -> Missed:
    """Everything stored of the forum's document (in a read transaction of its own)."""
    return stored_since(SqlDocumentStore(), forum_id, 0)


def document_texts(forum_id: int) -> dict[str, str]:
    """Each root's text as stored in the DATABASE (not memory), by root name."""
    return texts_of(stored(forum_id).doc())

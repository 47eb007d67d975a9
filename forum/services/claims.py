"""Taking a forum for a transaction: nothing is written into a locked forum, nor into the draft of a
forum whose proposal is frozen in Agree. Every writer of a forum's content claims it first."""

from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Forum, Stage
from forum.services import ServiceError

FROZEN_MESSAGE = (
    "The plan is frozen while the agencies agree to it; your change was not saved. "
    "The chair can go back a stage to change it."
)
# Stages in which the draft (6Ps, hypothesis, priorities, plan) may not change; see claim_open_forum.
_CLOSED = (Stage.LOCKED,)
_CLOSED_TO_DRAFT = (Stage.LOCKED, Stage.AGREE)


def claim_open_forum(forum_id: int, draft: bool = False) -> None:
    """Take the forum row for this transaction unless the forum is locked (ServiceError "locked"),
    or, for a change to the draft, frozen as a proposal in Agree (ServiceError "frozen").

    A conditional write, so a concurrent lock either commits first (and this refuses) or waits
    for this transaction: nothing is accepted into a locked forum. A refused claim wrote nothing (the
    edge rolls back; group commit goes on with the batch's other forums). Core on the session's
    connection: it runs for every batch of document updates.
    """
    closed = _CLOSED_TO_DRAFT if draft else _CLOSED
    connection = db.session.connection()
    result = connection.execute(
        update(Forum).where(Forum.id == forum_id, Forum.stage.not_in(closed)).values(stage=Forum.stage)
    )
    if result.rowcount == 1:
        return
    stage = connection.execute(select(Forum.stage).where(Forum.id == forum_id)).scalar()
    if stage is None:
        raise ServiceError("There is no such forum.", code="not_found")
    if stage == Stage.AGREE:
        raise ServiceError(FROZEN_MESSAGE, code="frozen")
    raise ServiceError("This forum's plan is locked; your change was not saved.", code="locked")

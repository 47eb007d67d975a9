"""Taking a forum for a transaction: nothing is written into a locked forum, nor into the draft of a
forum whose proposal is frozen in Agree. Every writer of a forum's content claims it first."""

from sqlalchemy import bindparam, select, update

from forum.extensions import db
from forum.models import Forum, Stage
from forum.prepared import Prepared
from forum.services import ServiceError

FROZEN_MESSAGE = (
    "The plan is frozen while the agencies agree to it; your change was not saved. "
    "The chair can go back a stage to change it."
)
# Stages in which the draft (6Ps, hypothesis, priorities, plan) may not change; see claim_open_forum.
_CLOSED = (Stage.LOCKED, Stage.LOCKED)  # the claim names two closed stages; here both are Locked
_CLOSED_TO_DRAFT = (Stage.LOCKED, Stage.AGREE)
# Taking the row: a write of the stage onto itself where the stage is neither of two closed ones.
_CLAIM = Prepared(
    update(Forum)
    .where(
        Forum.id == bindparam("forum"), Forum.stage != bindparam("closed"), Forum.stage != bindparam("also")
    )
    .values(stage=Forum.stage)
)


def claim_open_forum(forum_id: int, draft: bool = False) -> None:
    """Take the forum row for this transaction unless the forum is locked (ServiceError "locked"),
    or, for a change to the draft, frozen as a proposal in Agree (ServiceError "frozen").

    A conditional write, so a concurrent lock either commits first (and this refuses) or waits
    for this transaction: nothing is accepted into a locked forum. A refused claim wrote nothing (the
    edge rolls back; group commit goes on with the batch's other forums). A prepared statement
    (forum/prepared.py): it runs for every batch of document updates.
    """
    closed, also = _CLOSED_TO_DRAFT if draft else _CLOSED
    if _CLAIM.rowcount({"forum": forum_id, "closed": closed, "also": also}) == 1:
        return
    stage = db.session.scalar(select(Forum.stage).where(Forum.id == forum_id))
    if stage is None:
        raise ServiceError("There is no such forum.", code="not_found")
    if stage == Stage.AGREE:
        raise ServiceError(FROZEN_MESSAGE, code="frozen")
    raise ServiceError("This forum's plan is locked; your change was not saved.", code="locked")

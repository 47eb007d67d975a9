"""Reminders before due dates and the review date, each given to each person once.

Policy: an action's owner is reminded REMINDER_DAYS_BEFORE_DUE days before its due date and again once
it is overdue (unless its latest progress is "done"); the lead worker and the chair are reminded
REMINDER_DAYS_BEFORE_REVIEW days before the review date. `flask reminders send` (for cron) emails them
when MAIL_SERVER is set, and otherwise records them to show on My forums. A reminder given (or an email
accepted by the SMTP server) is recorded under a unique key, so running the command again gives nothing
twice; an email that fails is not recorded and is tried on the next run.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from forum.exports import wording
from forum.extensions import db
from forum.models import ActionProgress, Forum, ProgressStatus, ReminderKind, ReminderSent, User
from forum.models.facilitation import Action
from forum.models.version import PlanVersion
from forum.services.audit import record
from forum.services.mail import deliver
from forum.services.progress import latest_version
from forum.services.stages import current_chair, read_plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    """One reminder owed to one person."""

    forum: Forum
    version: int
    kind: ReminderKind
    action_id: int  # 0 for the review date
    user: User
    subject: str
    body: str

    @property
    def key(self) -> tuple:
        return (self.forum.id, self.version, self.kind.value, self.action_id, self.user.id)


def _latest_status(forum_id: int, action_id: int) -> ProgressStatus | None:
    return db.session.scalar(
        select(ActionProgress.status)
        .where(ActionProgress.forum_id == forum_id, ActionProgress.action_id == action_id)
        .order_by(ActionProgress.recorded_at.desc(), ActionProgress.id.desc())
        .limit(1)
    )


def _action_reminders(forum: Forum, number: int, document: dict, today: date, days_before: int):
    reference = forum.reference
    for action in document["actions"]:
        due = date.fromisoformat(action["due"])
        if today < due - timedelta(days=days_before):
            continue
        row = db.session.get(Action, action["id"])
        if row is None or row.forum_id != forum.id or row.owner is None:
            continue
        if _latest_status(forum.id, action["id"]) is ProgressStatus.DONE:
            continue
        kind = ReminderKind.OVERDUE if today > due else ReminderKind.DUE_SOON
        when = wording.long_date(action["due"])
        subject = (
            f"Overdue: action {action['id']} of {reference} was due on {when}"
            if kind is ReminderKind.OVERDUE
            else f"Reminder: action {action['id']} of {reference} is due on {when}"
        )
        body = (
            f"{wording.MARKING}\n\nAction {action['id']} of the plan {reference}, version {number}, "
            f"is yours and {'was' if kind is ReminderKind.OVERDUE else 'is'} due on {when}:\n\n"
            f"{wording.reveal_controls(action['what'])}\n\n"
            "Record how it is going on the forum's Plan progress page.\n"
        )
        yield Reminder(forum, number, kind, action["id"], row.owner, subject, body)


def _review_reminders(forum: Forum, number: int, document: dict, today: date, days_before: int):
    review = date.fromisoformat(document["review_date"])
    if not review - timedelta(days=days_before) <= today <= review:
        return
    people = {}
    lead_id = read_plan(forum.id).lead_worker_id
    if lead_id is not None:
        people[lead_id] = db.session.get(User, lead_id)
    chair = current_chair(forum.id)
    if chair is not None:
        people[chair.user_id] = chair.user
    when = wording.long_date(document["review_date"])
    for user in people.values():
        yield Reminder(
            forum,
            number,
            ReminderKind.REVIEW,
            0,
            user,
            f"Reminder: the plan {forum.reference} is reviewed on {when}",
            f"{wording.MARKING}\n\nThe plan {forum.reference}, version {number}, is due for review on "
            f"{when}. Its Plan progress page shows how each action went.\n",
        )


def owed(today: date, days_before_due: int, days_before_review: int) -> list[Reminder]:
    """Every reminder due today or earlier that has not been given yet."""
    given = set(
        db.session.execute(
            select(
                ReminderSent.forum_id,
                ReminderSent.version_number,
                ReminderSent.kind,
                ReminderSent.action_id,
                ReminderSent.user_id,
            )
        ).all()
    )
    given = {(f, v, k.value if isinstance(k, ReminderKind) else k, a, u) for f, v, k, a, u in given}
    reminders: list[Reminder] = []
    for forum_id in db.session.scalars(
        select(PlanVersion.forum_id).distinct().order_by(PlanVersion.forum_id)
    ):
        row, document = latest_version(forum_id)
        forum = db.session.get(Forum, forum_id)
        reminders += _action_reminders(forum, row.number, document, today, days_before_due)
        reminders += _review_reminders(forum, row.number, document, today, days_before_review)
    return [reminder for reminder in reminders if reminder.key not in given]


def _email(reminder: Reminder, mail: dict) -> bool:
    message = EmailMessage()
    message["Subject"] = reminder.subject
    message["From"] = mail.get("MAIL_SENDER") or "rethink-forum@localhost"
    message["To"] = reminder.user.email
    link = (
        f"{mail['SERVER_PUBLIC_URL'].rstrip('/')}{reminder.forum.path}/progress"
        if mail.get("SERVER_PUBLIC_URL")
        else ""
    )
    message.set_content(reminder.body + (f"\n{link}\n" if link else "") + "\nDo not forward this email.\n")
    if (failure := deliver(message, mail)) is not None:
        log.warning("reminder %s: email not sent (%s)", reminder.key, failure)
        return False
    return True


def give(reminder: Reminder, mail: dict) -> str | None:
    """Give one owed reminder: by email when MAIL_SERVER is set, else on My forums; record it under
    its unique key (the caller commits it before giving the next, so an email sent is never sent again).
    Returns the channel ("email" or "page"), or None when the email failed (left for the next run).
    """
    if mail.get("MAIL_SERVER"):
        if not _email(reminder, mail):
            return None
        channel = "email"
    else:
        channel = "page"
    forum_id, version, kind, action_id, user_id = reminder.key
    db.session.add(
        ReminderSent(
            forum_id=forum_id,
            version_number=version,
            kind=ReminderKind(kind),
            action_id=action_id,
            user_id=user_id,
            channel=channel,
        )
    )
    record(
        "reminder.sent",
        forum_id=forum_id,
        version=version,
        kind=kind,
        action_id=action_id,
        user_id=user_id,
        channel=channel,
    )
    db.session.flush()
    return channel


def shown_to(user: User, today: date, days_before_due: int, days_before_review: int) -> list[Reminder]:
    """The user's reminders recorded for My forums that still matter (action not done, review to come)."""
    recorded = db.session.scalars(
        select(ReminderSent).where(ReminderSent.user_id == user.id, ReminderSent.channel == "page")
    ).all()
    keys = {(r.forum_id, r.version_number, r.kind.value, r.action_id, r.user_id) for r in recorded}
    if not keys:
        return []
    current: list[Reminder] = []
    for forum_id in {key[0] for key in keys}:
        latest = latest_version(forum_id)
        if latest is None:
            continue
        row, document = latest
        forum = db.session.get(Forum, forum_id)
        current += _action_reminders(forum, row.number, document, today, days_before_due)
        current += _review_reminders(forum, row.number, document, today, days_before_review)
    return [reminder for reminder in current if reminder.key in keys]

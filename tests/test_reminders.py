"""`flask reminders send` against a real SMTP server started by the test: each reminder once, across runs."""

from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from forum.extensions import db
from forum.models import ReminderSent
from forum.services.lock import lock_plan
from forum.services.plan import add_action, set_action, set_review_date
from forum.services.progress import record_progress, today_in_london
from tests.conftest import free_port, sign_in
from tests.lock_factories import CHAIR, HEALTH, SCHOOL, agree_on_it, forum_with_people, make_draft, write_text

pytestmark = pytest.mark.progress


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
        return "250 Message accepted"

    def take(self) -> list[tuple[str, str]]:
        """(recipient, subject) of every message since the last take, sorted."""
        taken = sorted((rcpt[0], str(message["Subject"])) for rcpt, message in self.messages)
        self.messages.clear()
        return taken


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@pytest.fixture
def plan(people):
    """Version 1 with the teacher's actions due in 14 days, in 2 days, 3 days ago, and one done;
    the review in 5 days."""
    setup = forum_with_people(people)
    make_draft(setup)
    fid, today = setup.forum_id, today_in_london()
    ids = {}
    for name, days in (("soon", 2), ("late", -3), ("finished", -1)):
        action = add_action(fid, setup.chair)
        write_text(fid, setup.chair.id, action.what_root, f"The {name} action.")
        set_action(
            fid, setup.chair, action.id, {"owner": setup.teacher.id, "due": today + timedelta(days=days)}
        )
        ids[name] = action.id
    set_review_date(fid, setup.chair, today + timedelta(days=5))
    agree_on_it(setup)
    lock_plan(fid, setup.chair)
    record_progress(fid, setup.teacher, ids["finished"], "done", "Done.")
    db.session.commit()  # set-up is stored, as the edge would store it
    return fid, ids


def _mail(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, SERVER_PUBLIC_URL="https://forum.example.org")


def test_each_reminder_is_emailed_once_across_runs(app, runner, smtp, plan):
    port, inbox = smtp
    fid, ids = plan
    _mail(app, port)
    when = lambda days: f"{today_in_london() + timedelta(days=days):%A} "  # noqa: E731
    first = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0, first.output
    assert "4 emailed, 0 shown on My forums, 0 failed" in first.output
    received = inbox.take()
    assert [to for to, _ in received] == sorted([CHAIR, HEALTH, SCHOOL, SCHOOL])
    subjects = dict.fromkeys(subject for _, subject in received)
    assert f"Reminder: action {ids['soon']} of RF-LOCK is due on {when(2)}" in "".join(subjects)
    assert f"Overdue: action {ids['late']} of RF-LOCK was due on {when(-3)}" in "".join(subjects)
    assert sum("is reviewed on" in subject for subject in subjects) == 1  # to the lead worker and the chair
    assert f"action {ids['finished']} " not in "".join(subjects)  # done: no reminder

    again = runner.invoke(args=["reminders", "send"])
    assert again.exit_code == 0 and "0 emailed" in again.output and inbox.take() == []

    # Days later: the action due soon is now overdue, the first action is due soon; nothing else again.
    later = (today_in_london() + timedelta(days=12)).isoformat()
    third = runner.invoke(args=["reminders", "send", "--today", later])
    assert third.exit_code == 0, third.output
    assert [subject.split(" of ")[0] for _, subject in inbox.take()] == sorted(
        [f"Overdue: action {ids['soon']}", "Reminder: action 1"]
    )
    assert runner.invoke(args=["reminders", "send", "--today", later]).output.count("0 emailed") == 1
    assert inbox.take() == []


def test_an_email_the_server_refuses_is_retried_on_the_next_run(app, runner, smtp, plan):
    port, inbox = smtp
    _mail(app, free_port())  # nothing listens there
    failed = runner.invoke(args=["reminders", "send"])
    assert failed.exit_code == 1 and "0 emailed, 0 shown on My forums, 4 failed" in failed.output
    assert db.session.scalars(select(ReminderSent)).all() == []
    _mail(app, port)
    assert "4 emailed" in runner.invoke(args=["reminders", "send"]).output
    assert len(inbox.take()) == 4


def test_without_mail_reminders_show_on_my_forums_once(app, runner, client, plan):
    app.config["MAIL_SERVER"] = ""
    fid, ids = plan
    first = runner.invoke(args=["reminders", "send"])
    assert "0 emailed, 4 shown on My forums" in first.output
    assert "0 shown" in runner.invoke(args=["reminders", "send"]).output
    sign_in(client, SCHOOL)
    page = client.get("/").get_data(as_text=True)
    assert "Reminders" in page and f"/forums/{fid}/progress#action-{ids['late']}" in page
    assert f"Overdue: action {ids['late']} of RF-LOCK" in page and "is reviewed on" not in page
    # Once the action is done, its reminder no longer shows.
    from forum.services.accounts import find_user

    record_progress(fid, find_user(SCHOOL), ids["late"], "done", "Sent.")
    db.session.commit()  # set-up is stored, as the edge would store it
    assert f"action {ids['late']} of" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01"])
def test_a_bad_date_is_refused_and_changes_nothing(runner, plan, value):
    result = runner.invoke(args=["reminders", "send", "--today", value])
    assert result.exit_code == 1 and "--today must be a date" in result.output
    assert db.session.scalars(select(ReminderSent)).all() == []

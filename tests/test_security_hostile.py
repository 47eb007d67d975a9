"""Hostile strings in every user-editable field: stored and shown back as plain text, never executed.

Pages are checked in headless Chromium with listeners for dialogs, page errors and console errors
(a blocked inline script is a console error too); exports are rendered from a version locked through
the real lock; nothing answers 500 and the server log shows no failure.
"""

import io
import json
import re
import signal
import zipfile
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import requests
from docx import Document
from playwright.sync_api import expect

from forum.exports import FORMATS
from forum.extensions import db
from forum.services.accounts import create_agency, create_user
from forum.services.agreement import accept_lead, nominate_lead, set_principle, set_stance
from forum.services.downloads import export
from forum.services.entries import add_entry
from forum.services.lock import lock_plan, reopen
from forum.services.plan import add_action, add_goal, set_action, set_review_date
from forum.services.scheduling import update_forum
from forum.services.stages import set_stage
from tests import security_support
from tests.browser import CHROMIUM_ARGS, TIMEOUT_MS, chromium_fixture, sign_in  # noqa: F401 - fixture
from tests.conftest import PASSWORD, csrf_token_from
from tests.hostile import CORPUS, IMG_ONERROR, JINJA, MARK, SCRIPT, SHORT, SQL, within
from tests.lock_factories import write_text
from tests.security_support import server_errors

pytestmark = [pytest.mark.security, pytest.mark.browser]

module_app = security_support.module_app
module_people = security_support.module_people
module_server = security_support.module_server

# What a page must show literally when the hostile text is on it (markup shown, not parsed).
LITERAL = "<script>alert('HOSTILE-script')</script>"
INJECTED = "img[src='x'], iframe[srcdoc], svg[onload], [onerror], [onfocus], a[href^='javascript:' i]"


@pytest.fixture(scope="module")
def world(module_app, module_people):
    """Hostile names, agency, title, entries, hypothesis, goals, actions, stances, reasons; one forum
    locked twice (v1, reopened with a hostile reason, v2), one still live."""
    agency = create_agency(within(120, f"{SCRIPT} Agency"))
    chair = create_user(
        "chair@example.org", within(120, f"{IMG_ONERROR} Chair"), agency.name, PASSWORD, is_admin=True
    )
    nurse = create_user("nurse@example.org", within(120, f"{JINJA} Nurse"), agency.name, PASSWORD)
    create_user(
        "other@example.org", within(120, f"{SQL} Other"), "Health" if False else agency.name, PASSWORD
    )
    people = module_people
    locked = people.forum("RF-HOSTILE-1", title="placeholder", **{"nurse@example.org": "contributor"})
    update_forum(locked.id, chair, within(200, f"{SCRIPT} {SHORT}"), None, agency.id)
    live = people.forum("RF-HOSTILE-2", title=within(200, SHORT), **{"nurse@example.org": "contributor"})
    for forum in (locked, live):
        for index, text in enumerate(CORPUS):
            panel = ["presenting", "perpetuating", "protective", "plan"][index % 4]
            entry = add_entry(forum.id, nurse, panel)
            write_text(forum.id, nurse.id, entry.root_name, text)
    fid = locked.id
    goal = add_goal(fid, nurse)
    write_text(fid, nurse.id, goal.root_name, f"{SCRIPT} goal")
    action = add_action(fid, nurse, goal=goal.id)
    write_text(fid, nurse.id, action.what_root, f"{IMG_ONERROR} what")
    write_text(fid, nurse.id, action.measure_root, f"{JINJA} measure")
    set_action(fid, chair, action.id, {"owner": nurse.id, "due": date.today() + timedelta(days=7)})
    set_review_date(fid, chair, date.today() + timedelta(days=60))
    write_text(fid, chair.id, "hypothesis", "\n".join(CORPUS[:-1]))
    write_text(fid, chair.id, "family_communication", SHORT)
    nominate_lead(fid, chair, nurse.id)
    set_stage(fid, chair, "agree", confirm=True)
    accept_lead(fid, nurse)
    set_stance(fid, chair, "agree_with_concerns", f"{SCRIPT} {SHORT}")
    set_stance(fid, nurse, "object", f"{IMG_ONERROR} {JINJA}")
    set_principle(fid, chair, "strength_focused", "partly", f"{SCRIPT} note")
    lock_plan(fid, chair, override_reason=f"{SCRIPT} override")
    reopen(fid, chair, f"{IMG_ONERROR} reopen {SHORT}")
    db.session.commit()  # set-up is stored, as the edge would store it
    nominate_lead(fid, chair, nurse.id)
    set_stage(fid, chair, "agree", confirm=True)
    accept_lead(fid, nurse)
    set_stance(fid, chair, "agree", None)
    set_stance(fid, nurse, "agree_with_concerns", f"{SVG_reason()}")
    lock_plan(fid, chair, override_reason=f"{SCRIPT} override again")
    db.session.commit()  # set-up is stored, as the edge would store it
    return {"locked": fid, "live": live.id}


def SVG_reason() -> str:  # noqa: N802 - reads like the other constants
    return f"<svg/onload=alert('{MARK}-svg')> concerns"


def _pages(world) -> list[str]:
    locked, live = world["locked"], world["live"]
    hostile_query = requests.utils.quote(SHORT)
    return [
        "/",
        f"/?q={hostile_query}",
        f"/forums/{live}",
        f"/forums/{locked}",
        f"/forums/{locked}/versions",
        f"/forums/{locked}/versions/1",
        f"/forums/{locked}/versions/2",
        f"/forums/{locked}/manage",
        "/admin/users/",
        "/admin/agencies",
        f"/admin/audit?action={hostile_query}&forum={hostile_query}&actor={hostile_query}",
        f"/admin/audit?since={hostile_query}",
    ]


def test_pages_show_hostile_text_as_text_and_run_none_of_it(chromium, module_server, world):
    dialogs, errors, statuses, shown = [], [], {}, {}
    context = chromium.new_context(base_url=module_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")  # statuses are checked below
            and errors.append(message.text)
        ),
    )
    try:
        sign_in(page, "chair@example.org")
        for path in _pages(world):
            response = page.goto(path)
            statuses[path] = response.status
            if path == f"/forums/{world['live']}":
                expect(page.locator("[data-status]")).to_have_text("Saved")
            page.wait_for_timeout(150)  # let any injected handler fire
            assert page.locator(INJECTED).count() == 0, f"markup from user text was parsed on {path}"
            shown[path] = LITERAL in page.inner_text("body")
    finally:
        context.close()
    assert not dialogs, f"user text ran as script: {dialogs}"
    assert not errors, errors
    assert all(status < 500 for status in statuses.values()), statuses
    assert statuses[f"/admin/audit?since={requests.utils.quote(SHORT)}"] == 400, "a bad date is a clear error"
    for path in ("/", f"/forums/{world['live']}", f"/forums/{world['locked']}/versions/2", "/admin/agencies"):
        assert shown[path], f"the hostile text is not shown literally on {path}"
    assert not server_errors(module_server.log()), module_server.log()[-3000:]


EXPORT_SECONDS = 20


@contextmanager
def time_limit(seconds: int):
    """Raise TimeoutError in this (main) thread when the block runs longer than seconds."""

    def expired(_signum, _frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_export_of_a_locked_version_carries_the_text_as_data(module_app, world, fmt):
    with time_limit(EXPORT_SECONDS):
        body, media_type, name = export(world["locked"], 2, fmt, actor_id=None)
    assert body and re.fullmatch(r"[A-Za-z0-9._-]+", name), name
    if fmt == "json":
        document = json.loads(body)
        flat = json.dumps(document, ensure_ascii=False)
        assert LITERAL in flat and JINJA in flat, "the text is not kept exactly"
    elif fmt in ("md", "csv", "ics"):
        text = body.decode("utf-8")
        assert MARK in text
        if fmt == "md":
            assert "<script" not in text and "<img" not in text, "raw HTML in Markdown renders in viewers"
        if fmt == "ics":
            assert "\nBEGIN:VEVENT" not in text.replace("\r\nBEGIN:VEVENT", ""), (
                "a line break injected a field"
            )
            # the review date and each action's due date, and no event injected by a line break
            assert text.count("BEGIN:VEVENT") == 1 + len(
                json.loads(export(world["locked"], 2, "json", None)[0])["actions"]
            )
        if fmt == "csv":
            assert "\r\n=HYPERLINK" not in text and ",=HYPERLINK" not in text, "a formula would run"
    elif fmt == "docx":
        words = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
        tables = "\n".join(c.text for t in Document(io.BytesIO(body)).tables for r in t.rows for c in r.cells)
        assert LITERAL in words + tables
    elif fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            assert archive.testzip() is None and len(archive.namelist()) >= 5
    else:
        assert body.startswith(b"%PDF"), media_type


def test_forms_take_hostile_input_as_data_or_refuse_it_clearly(module_server, world):
    http = module_server.session("chair@example.org")
    token = csrf_token_from(http.get(module_server.url + "/", timeout=10).text)
    statuses = {}

    def post(path: str, data: dict) -> requests.Response:
        response = http.post(module_server.url + path, data={**data, "csrf_token": token}, timeout=30)
        statuses[(path, str(data)[:60])] = response.status_code
        return response

    for value in CORPUS:
        post("/admin/agencies", {"name": value})
        post(
            f"/forums/{world['live']}/manage",
            {"title": value, "scheduled_date": value, "scheduled_time": value},
        )
        post("/forums/new", {"reference": value, "title": value})
        post("/admin/users/new", {"email": value, "full_name": value, "agency": value})
        http.get(module_server.url + "/", params={"q": value}, timeout=10)
        http.get(module_server.url + "/admin/audit", params={"action": value, "until": value}, timeout=10)
    assert all(status < 500 for status in statuses.values()), statuses
    # A hostile agency name that fits was stored and is shown escaped.
    page = http.get(module_server.url + "/admin/agencies", timeout=10).text
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    assert not server_errors(module_server.log()), module_server.log()[-3000:]

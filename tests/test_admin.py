"""Administration: agencies, accounts, password links, the template; only administrators, always audited."""

import asyncio
import re

import aiohttp
import pytest
import socketio
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Agency, AuditEvent, FormulationTemplate, Forum, PasswordLink, User
from forum.services.accounts import find_user
from forum.services.templates import DEFAULT_TEMPLATE
from tests.conftest import PASSWORD, csrf_token_from, sign_in

pytestmark = pytest.mark.admin

NEW_PASSWORD = "a-brand-new-long-passphrase"


@pytest.fixture
def staff(people):
    """An administrator, a chair and a contributor in one forum."""
    people.user("admin@example.org", admin=True, name="Ada Admin")
    people.user("chair@example.org", name="Cara Chair")
    people.user("school@example.org", agency="Northfield Primary School", name="Sam School")
    people.agency("Leeds Housing")
    return people.forum("RF-1", **{"school@example.org": "contributor"})


def audit_count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def snapshot() -> tuple:
    """What an administrator's action could change."""
    db.session.expire_all()
    return (
        tuple(db.session.execute(select(Agency.id, Agency.name, Agency.active).order_by(Agency.id))),
        tuple(
            db.session.execute(
                select(User.id, User.agency_id, User.is_admin, User.active, User.session_token).order_by(
                    User.id
                )
            )
        ),
        db.session.scalar(select(func.count()).select_from(PasswordLink)),
        db.session.scalar(select(func.count()).select_from(FormulationTemplate)),
    )


ADMIN_ROUTES = [
    ("GET", "/admin/"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/audit.csv"),
    ("GET", "/admin/agencies"),
    ("POST", "/admin/agencies"),
    ("GET", "/admin/agencies/{agency}"),
    ("POST", "/admin/agencies/{agency}"),
    ("POST", "/admin/agencies/{agency}/deactivate"),
    ("POST", "/admin/agencies/{agency}/activate"),
    ("GET", "/admin/users/"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}/deactivate"),
    ("POST", "/admin/users/{user}/activate"),
    ("POST", "/admin/users/{user}/password-link"),
    ("GET", "/admin/template"),
    ("POST", "/admin/template"),
]

ROUTE_FORMS = {
    "/admin/agencies": {"name": "Sneaky Agency"},
    "/admin/agencies/{agency}": {"name": "Renamed"},
    "/admin/users/new": {"email": "new@example.org", "full_name": "New Person", "agency_id": "1"},
    "/admin/users/{user}": {"agency_id": "1", "is_admin": "y"},
}


@pytest.mark.parametrize(("method", "route"), ADMIN_ROUTES)
@pytest.mark.parametrize("who", ["chair@example.org", "school@example.org"])
def test_non_admins_are_refused_every_admin_page_and_action(client, staff, who, method, route):
    target = find_user("school@example.org")
    path = route.format(agency=target.agency_id, user=target.id)
    sign_in(client, who)
    before, refusals = snapshot(), audit_count("admin.refused")
    response = client.open(path, method=method, data=ROUTE_FORMS.get(route, {}))
    assert response.status_code == 403
    assert snapshot() == before
    assert audit_count("admin.refused") == refusals + 1


@pytest.mark.parametrize(("method", "route"), ADMIN_ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(client, staff, method, route):
    path = route.format(agency=1, user=1)
    before = snapshot()
    response = client.open(path, method=method, data=ROUTE_FORMS.get(route, {}))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert snapshot() == before


def test_admin_pages_all_open_for_an_administrator(client, staff):
    sign_in(client, "admin@example.org")
    user = find_user("school@example.org")
    for path in ["/admin/", "/admin/agencies", f"/admin/agencies/{user.agency_id}", "/admin/users/"]:
        assert client.get(path).status_code == 200, path
    for path in ["/admin/users/new", f"/admin/users/{user.id}", "/admin/template"]:
        assert client.get(path).status_code == 200, path
    assert audit_count("admin.view") == 7


def test_agencies_are_created_renamed_deactivated_and_audited(client, staff):
    sign_in(client, "admin@example.org")
    assert client.post("/admin/agencies", data={"name": "  West   Yorkshire Police "}).status_code == 302
    police = db.session.scalar(select(Agency).where(Agency.name == "West Yorkshire Police"))
    assert police is not None

    duplicate = client.post("/admin/agencies", data={"name": "west yorkshire police"})
    page = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 400
    assert '<a href="#name">Agency &#39;west yorkshire police&#39; already exists.</a>' in page
    assert "govuk-form-group--error" in page and "<title>Error: Agencies" in page

    empty = client.post(f"/admin/agencies/{police.id}", data={"name": ""})
    assert empty.status_code == 400 and '<a href="#name">Enter the agency&#39;s name</a>' in empty.get_data(
        as_text=True
    )
    assert client.post(f"/admin/agencies/{police.id}", data={"name": "WY Police"}).status_code == 302
    assert client.post(f"/admin/agencies/{police.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert (police.name, police.active) == ("WY Police", False)
    actions = {
        e.action for e in db.session.scalars(select(AuditEvent)) if e.detail.get("agency_id") == police.id
    }
    assert actions == {"agency.create", "agency.rename", "agency.deactivate"}

    # A deactivated agency is not offered for new accounts.
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert ">Leeds Housing</option>" in page and ">WY Police</option>" not in page


def set_password_through(client, link: str, password: str = NEW_PASSWORD):
    path = link.split("://", 1)[1].split("/", 1)[1]
    return client.post("/" + path, data={"password": password, "confirm": password})


def test_admin_creates_an_account_with_a_one_time_password_link(client, staff):
    sign_in(client, "admin@example.org")
    housing = db.session.scalar(select(Agency).where(Agency.name == "Leeds Housing"))
    response = client.post(
        "/admin/users/new",
        data={"email": "Hana.Housing@Example.org", "full_name": "Hana Housing", "agency_id": housing.id},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Account created" in page
    link = re.search(r'id="password-link" type="text" readonly value="([^"]+)"', page).group(1)
    client.post("/logout")

    person = find_user("hana.housing@example.org")
    assert person.agency.name == "Leeds Housing" and not person.is_admin
    assert sign_in(client, "hana.housing@example.org", NEW_PASSWORD).status_code == 401

    assert set_password_through(client, link, "short").status_code == 400
    assert set_password_through(client, link).status_code == 302
    assert sign_in(client, "hana.housing@example.org", NEW_PASSWORD).status_code == 302
    client.post("/logout")
    again = set_password_through(client, link, "another-long-passphrase")
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert sign_in(client, "hana.housing@example.org", "another-long-passphrase").status_code == 401


def test_a_new_password_link_replaces_the_old_one_and_signs_out_everywhere(client, staff, app):
    sign_in(client, "admin@example.org")
    user = find_user("school@example.org")
    first = re.search(r'readonly value="([^"]+)"', client.post(f"/admin/users/{user.id}/password-link").text)[
        1
    ]
    second = re.search(
        r'readonly value="([^"]+)"', client.post(f"/admin/users/{user.id}/password-link").text
    )[1]
    other = app.test_client()
    sign_in(other, "school@example.org")
    assert other.get("/").status_code == 200

    fresh = app.test_client()
    assert set_password_through(fresh, first).status_code == 410
    assert set_password_through(fresh, second).status_code == 302
    assert other.get("/").status_code == 302  # the old session ended with the reset
    assert audit_count("user.password_reset") == 1


def test_expired_or_tampered_password_link_is_refused(client, staff, app):
    sign_in(client, "admin@example.org")
    user = find_user("school@example.org")
    link = re.search(r'readonly value="([^"]+)"', client.post(f"/admin/users/{user.id}/password-link").text)[
        1
    ]
    fresh = app.test_client()
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    response = set_password_through(fresh, tampered)
    assert response.status_code == 400 and "not valid" in response.text

    row = db.session.scalar(select(PasswordLink))
    row.expires_at = row.created_at
    db.session.commit()
    response = set_password_through(fresh, link)
    assert response.status_code == 410 and "expired" in response.text
    assert sign_in(fresh, "school@example.org", NEW_PASSWORD).status_code == 401


def test_admin_edits_agency_and_admin_flag_but_not_their_own_access(client, staff):
    sign_in(client, "admin@example.org")
    user = find_user("school@example.org")
    housing = db.session.scalar(select(Agency).where(Agency.name == "Leeds Housing"))
    assert (
        client.post(f"/admin/users/{user.id}", data={"agency_id": housing.id, "is_admin": "y"}).status_code
        == 302
    )
    db.session.expire_all()
    assert user.agency_id == housing.id and user.is_admin

    me = find_user("admin@example.org")
    response = client.post(f"/admin/users/{me.id}", data={"agency_id": me.agency_id})
    assert response.status_code == 400
    assert '<a href="#is_admin">You cannot remove your own administrator access.</a>' in response.text
    assert client.post(f"/admin/users/{me.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert me.is_admin and me.active


def test_deactivated_user_is_signed_out_at_once_over_http(live_server, staff):
    contributor = live_server.session("school@example.org")
    assert contributor.get(live_server.url + "/", allow_redirects=False).status_code == 200
    admin = live_server.session("admin@example.org")
    user = find_user("school@example.org")
    page = admin.get(f"{live_server.url}/admin/users/{user.id}")
    response = admin.post(
        f"{live_server.url}/admin/users/{user.id}/deactivate",
        data={"csrf_token": csrf_token_from(page.text)},
        allow_redirects=False,
    )
    assert response.status_code == 302

    after = contributor.get(live_server.url + "/", allow_redirects=False)
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    assert contributor.get(f"{live_server.url}/forums/{staff.id}", allow_redirects=False).status_code == 302
    with pytest.raises(AssertionError):
        live_server.session("school@example.org")  # cannot sign in again either


def test_deactivation_without_csrf_token_changes_nothing_on_the_real_server(live_server, staff):
    admin = live_server.session("admin@example.org")
    user = find_user("school@example.org")
    response = admin.post(f"{live_server.url}/admin/users/{user.id}/deactivate", allow_redirects=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert find_user("school@example.org").active


class RoomSocket:
    """A bare live-room socket with the signed-in cookie, which does not reconnect."""

    def __init__(self, live_server, http):
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.url = live_server.url
        self.disconnected = asyncio.Event()
        self.sio = socketio.AsyncClient(
            reconnection=False, http_session=lambda: aiohttp.ClientSession(headers={"Cookie": cookie})
        )
        self.sio.on("disconnect", self._gone, namespace="/forum")

    async def _gone(self, *_reason):
        self.disconnected.set()

    async def join(self, forum_id: int) -> dict:
        await self.sio.connect(
            self.url,
            headers={"Origin": self.url},
            namespaces=["/forum"],
            transports=["websocket"],
            wait_timeout=10,
        )
        return await self.sio.call("join", {"forum": forum_id, "sv": ""}, namespace="/forum", timeout=10)


def test_deactivated_user_is_disconnected_from_a_live_room(live_server, staff):
    contributor = live_server.session("school@example.org")
    admin = live_server.session("admin@example.org")
    user = find_user("school@example.org")

    async def scenario():
        room = RoomSocket(live_server, contributor)
        reply = await room.join(staff.id)
        assert reply["ok"], reply
        await asyncio.sleep(0.2)
        assert not room.disconnected.is_set()

        page = await asyncio.to_thread(admin.get, f"{live_server.url}/admin/users/{user.id}")
        response = await asyncio.to_thread(
            admin.post,
            f"{live_server.url}/admin/users/{user.id}/deactivate",
            data={"csrf_token": csrf_token_from(page.text)},
            allow_redirects=False,
        )
        assert response.status_code == 302
        await asyncio.wait_for(room.disconnected.wait(), timeout=10)

        again = RoomSocket(live_server, contributor)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await again.join(staff.id)
        await again.sio.disconnect()
        await room.sio.disconnect()

    asyncio.run(scenario())
    db.session.expire_all()
    closed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.sockets_closed")).all()
    assert [event.detail for event in closed] == [{"user_id": user.id, "sockets": 1}]


def test_users_change_their_own_password_and_other_sessions_end(client, staff, app):
    other = app.test_client()
    sign_in(other, "school@example.org")
    sign_in(client, "school@example.org")
    wrong = client.post(
        "/account/password",
        data={
            "current_password": "not-my-password-at-all",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400
    assert '<a href="#current_password">Your current password is not right.</a>' in wrong.text
    mismatch = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": "different"},
    )
    assert (
        mismatch.status_code == 400 and '<a href="#confirm">The passwords do not match</a>' in mismatch.text
    )

    done = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # this session carries on
    assert other.get("/").status_code == 302  # the other one ended
    client.post("/logout")
    assert sign_in(client, "school@example.org", NEW_PASSWORD).status_code == 302


def template_form(template: dict, **changes) -> dict:
    data = {"name": template["name"]}
    for i, panel in enumerate(template["panels"]):
        data |= {
            f"panels-{i}-key": panel["key"],
            f"panels-{i}-position": str(i + 1),
            f"panels-{i}-name": panel["name"],
            f"panels-{i}-help": panel["help"],
        }
    return data | changes


def test_admin_edits_the_template_and_only_new_forums_take_it(client, staff):
    sign_in(client, "admin@example.org")
    # Swap the first two panels and rename one.
    form = template_form(DEFAULT_TEMPLATE, **{"panels-0-position": "2", "panels-1-position": "1"})
    form["panels-2-name"] = "Triggers"
    assert client.post("/admin/template", data=form).status_code == 302

    bad = client.post("/admin/template", data=template_form(DEFAULT_TEMPLATE, **{"panels-5-position": "1"}))
    assert bad.status_code == 400 and "ends with the &#39;plan&#39; panel" in bad.text
    empty = client.post("/admin/template", data=template_form(DEFAULT_TEMPLATE, **{"panels-3-help": ""}))
    assert empty.status_code == 400 and '<a href="#panels-3-help">' in empty.text

    response = client.post("/forums/new", data={"reference": "RF-NEW", "title": "New family forum"})
    assert response.status_code == 302
    new = db.session.scalar(select(Forum).where(Forum.reference == "RF-NEW"))
    keys = [p["key"] for p in new.template["panels"]]
    assert keys[:3] == ["predisposing", "presenting", "precipitating"]
    assert new.template["panels"][2]["name"] == "Triggers"
    db.session.refresh(staff)
    assert staff.template == DEFAULT_TEMPLATE  # the existing forum keeps its own copy
    assert audit_count("template.update") == 1

"""Operations: the load balancer's health check and the Prometheus metrics, on the real server."""

import asyncio
import ipaddress
import shutil
import subprocess

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import LiveServer, csrf_token_from, free_port, make_app
from tests.live_clients import RoomClient

pytestmark = pytest.mark.operations

TOKEN = "metrics-token-for-tests-0123456789"


def samples(text: str) -> dict[tuple, float]:
    """Every sample of a Prometheus text page: (name, sorted labels) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def watched_server(app, database_path, tmp_path):
    """The real server with metrics offered to one network (not this machine) and to a token."""
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {"METRICS_ALLOWED_ADDRESSES": "10.20.30.0/24", "METRICS_TOKEN": TOKEN}
    server = LiveServer(database_path, instance, env).start()
    yield server
    server.stop()


def scrape(server: LiveServer) -> dict[tuple, float]:
    response = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return samples(response.text)


def test_healthz_answers_200_with_the_database_up_and_no_personal_data(live_server, people):
    people.user("chair@example.org", name="Cara Chair")
    response = requests.get(live_server.url + "/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"process": "ok", "database": "ok", "redis": "not configured"},
    }
    assert "Set-Cookie" not in response.headers and "Cara" not in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_with_the_database_unreachable(tmp_path):
    app = make_app(tmp_path / "missing-folder" / "forum.db")  # SQLite cannot open a file in no folder
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"process": "ok", "database": "unreachable", "redis": "not configured"},
    }


def test_healthz_answers_503_when_the_configured_redis_is_unreachable(app, database_path, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    closed = LiveServer(database_path, instance).port  # a free port nothing listens on
    server = LiveServer(database_path, instance, {"REDIS_URL": f"redis://127.0.0.1:{closed}/0"}).start()
    try:
        response = requests.get(server.url + "/healthz", timeout=15)
    finally:
        server.stop()
    assert response.status_code == 503
    assert response.json()["checks"] == {"process": "ok", "database": "ok", "redis": "unreachable"}


def test_healthz_follows_a_real_redis_going_away(app, database_path, tmp_path):
    """With REDIS_URL set: 200 while Redis answers, 503 once it is gone (no restart of the server)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (the scale tests need it too)")
    instance = tmp_path / "instance"
    instance.mkdir()
    redis_port = free_port()
    redis_process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        env = {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
        server = LiveServer(database_path, instance, env).start()
        up = requests.get(server.url + "/healthz", timeout=15)
        assert up.status_code == 200 and up.json()["checks"]["redis"] == "ok"
        redis_process.terminate()
        redis_process.wait(10)
        down = requests.get(server.url + "/healthz", timeout=15)
        assert down.status_code == 503 and down.json()["checks"]["redis"] == "unreachable"
    finally:
        if server is not None:
            server.stop()
        if redis_process.poll() is None:
            redis_process.kill()
            redis_process.wait(10)


def test_metrics_are_refused_from_elsewhere_and_without_the_token(watched_server):
    url = watched_server.url + "/metrics"
    assert requests.get(url, timeout=10).status_code == 403  # 127.0.0.1 is not in 10.20.30.0/24
    wrong = {"Authorization": "Bearer not-the-token"}
    assert requests.get(url, headers=wrong, timeout=10).status_code == 403
    basic = {"Authorization": f"Basic {TOKEN}"}
    assert requests.get(url, headers=basic, timeout=10).status_code == 403
    assert (
        "forum_updates_accepted_total"
        in requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).text
    )


def test_metrics_are_off_unless_configured_and_served_to_an_allowed_address(database_path):
    app = make_app(database_path)
    assert app.test_client().get("/metrics").status_code == 404
    app.config["METRICS_ALLOWED_ADDRESSES"] = [ipaddress.ip_network("127.0.0.0/8")]
    client = app.test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 403


def test_metrics_count_what_a_forum_edit_does(watched_server, people):
    people.user("chair@example.org", name="Cara Chair")
    people.user("watcher@example.org", agency="Education", name="Wes Watcher")
    forum_id = people.forum("RF-OPS", **{"watcher@example.org": "observer"}).id
    before = scrape(watched_server)
    http = requests.Session()
    token = csrf_token_from(http.get(watched_server.url + "/login", timeout=10).text)
    failed = http.post(
        watched_server.url + "/login",
        data={"email": "chair@example.org", "password": "wrong password", "csrf_token": token},
        timeout=10,
    )
    assert failed.status_code == 401

    async def scenario():
        chair = RoomClient(watched_server.url, watched_server.session("chair@example.org"), forum_id=forum_id)
        watcher = RoomClient(
            watched_server.url, watched_server.session("watcher@example.org"), forum_id=forum_id
        )
        for client in (chair, watcher):
            await client.connect()
            await client.join()
        during = scrape(watched_server)
        entry = (await chair.call("entry:add", {"forum": forum_id, "panel": "presenting"}))["entry"]
        for chunk in ("one ", "two ", "three"):
            await chair.type(entry["id"], chunk)
        refused = await watcher.send(chair.doc.get_update())  # observers only watch
        for client in (chair, watcher):
            await client.disconnect()
        return during, refused

    during, refused = asyncio.run(asyncio.wait_for(scenario(), 60))
    after = scrape(watched_server)
    assert during[("forum_connected_sockets", ())] == 2
    assert during[("forum_open_rooms", ())] == 1
    assert after[("forum_updates_accepted_total", ())] - before[("forum_updates_accepted_total", ())] == 3
    code = refused["error"]["code"]
    assert after[("forum_updates_refused_total", (("code", code),))] == 1
    assert after[("forum_update_batch_size_count", ())] - before[("forum_update_batch_size_count", ())] >= 1
    # Who may write is checked inside the batch's transaction, so the refused update was in a batch too.
    assert after[("forum_update_batch_size_sum", ())] - before[("forum_update_batch_size_sum", ())] == 4
    assert after[("forum_update_commit_seconds_count", ())] == after[("forum_update_batch_size_count", ())]
    assert after[("forum_update_commit_seconds_sum", ())] > 0
    assert after[("forum_connected_sockets", ())] == 0
    failures = ("forum_sign_in_failures_total", (("method", "password"),))
    assert after[failures] - before.get(failures, 0) == 1

"""The real server: `make run` on a fresh instance, and the live_server fixture."""

import os
import re
import signal
import subprocess
import sys

import requests

from tests.conftest import ROOT, LiveServer, csrf_token_from, free_port, wait_for


def test_make_run_serves_sign_in_and_demo_chair_signs_in(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FORUM_", "MAKE"))}
    env.update(FORUM_INSTANCE_DIR=str(tmp_path), PORT=str(port), HOST="127.0.0.1")
    env.pop("DATABASE_URL", None)
    log = open(tmp_path / "make-run.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/login", process, timeout=300)
        output = (tmp_path / "make-run.log").read_text()
        chair = re.search(r"(\S+@example\.org)\s+chair \(", output)
        password = re.search(r"every password is (\S+)\)", output)
        assert chair and password, output
        assert f"Open {url}/login" in output and f"Demo forum DEMO-001: {url}/forums/" in output
        assert re.search(r"admin@example\.org\s+administrator", output), output
        http = requests.Session()
        token = csrf_token_from(http.get(url + "/login", timeout=10).text)
        page = http.post(
            url + "/login", data={"email": chair[1], "password": password[1], "csrf_token": token}, timeout=10
        )
        assert page.status_code == 200 and "DEMO-001" in page.text
        assert (tmp_path / "forum.db").exists()
    finally:
        log.close()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)


def test_live_server_sign_in_and_sign_out(live_server, people):
    people.user("chair@example.org")
    forum = people.forum("RF-7")
    http = live_server.session("chair@example.org")
    assert "RF-7" in http.get(live_server.url + "/", timeout=10).text
    assert http.get(live_server.url + forum.path, timeout=10).status_code == 200
    token = csrf_token_from(http.get(live_server.url + "/", timeout=10).text)
    http.post(live_server.url + "/logout", data={"csrf_token": token}, timeout=10)
    assert http.get(live_server.url + "/", timeout=10, allow_redirects=False).status_code == 302


def test_sign_out_without_csrf_token_is_refused(live_server, people):
    people.user("chair@example.org")
    http = live_server.session("chair@example.org")
    assert http.post(live_server.url + "/logout", timeout=10).status_code == 400
    assert http.get(live_server.url + "/", timeout=10, allow_redirects=False).status_code == 200


def test_production_without_secret_key_refuses_to_start(tmp_path):
    server = LiveServer(tmp_path / "x.db", tmp_path, env={"FORUM_ENV": "production", "SECRET_KEY": ""})
    result = subprocess.run(
        [sys.executable, "wsgi.py"],
        cwd=ROOT,
        env=server.environment(),
        capture_output=True,
        text=True,
        timeout=60,
        executable=None,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr

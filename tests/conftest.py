"""Shared fixtures: app, client, CLI runner, factories and a real eventlet live server."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
import requests
from flask import g, has_app_context

from config import TestingConfig
from forum import create_app
from forum.extensions import db
from forum.services.accounts import create_agency, create_user, find_agency
from forum.services.forums import add_participant
from forum.services.scheduling import create_forum
from forum.services.templates import DEFAULT_TEMPLATE

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-staple"


def make_app(database_path: Path):
    """An app bound to the SQLite file at database_path."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database_path}"
    config.SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 30}}
    config.RATELIMIT_ENABLED = False
    return create_app(config)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """A SQLite file with every migration applied, copied by each test that needs a database."""
    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("template-db") / "forum.db"
    app = make_app(path)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    return path


@pytest.fixture
def database_path(migrated_database, tmp_path) -> Path:
    """A fresh migrated database for one test."""
    path = tmp_path / "forum.db"
    shutil.copyfile(migrated_database, path)
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scale)])
def each_database(request):
    """An app context on a migrated database of each kind: SQLite, then PostgreSQL (skipped when
    the server is not reachable)."""
    from flask_migrate import upgrade

    from tests.scale_support import fresh_database, scale_app, unreachable

    if request.param == "sqlite":
        with request.getfixturevalue("app").app_context():
            yield request.param
        return
    if (why := unreachable()) is not None:
        pytest.skip(why)
    with fresh_database() as url:
        app = scale_app(url)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            yield request.param
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(database_path):
    """The application with a fresh migrated database, inside an app context.

    That context stays open, so every test request would share one `g`, where Flask-Login caches
    the signed-in user: each request forgets it first and loads its own, as the real server does.
    """
    app = make_app(database_path)

    def forget_user() -> None:
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_user)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class People:
    """Factories for agencies, users and forums in the current app context."""

    created: dict = field(default_factory=dict)

    def agency(self, name: str):
        agency = find_agency(name) or create_agency(name)
        db.session.commit()  # set-up is stored, as the edge would store it
        return agency

    def user(self, email: str, agency: str = "Children's Social Care", name: str | None = None, admin=False):
        self.agency(agency)
        name = name or email.split("@")[0].replace(".", " ").title()
        user = create_user(email, name, agency, PASSWORD, is_admin=admin)
        db.session.commit()
        return user

    def forum(self, reference: str = "RF-1", chair: str = "chair@example.org", title="Family forum", **roles):
        """A forum chaired by `chair`; keyword arguments map emails to roles."""
        forum = create_forum(reference, title, chair, DEFAULT_TEMPLATE)
        for email, role in roles.items():
            add_participant(forum.id, email, role)
        db.session.commit()
        return forum


@pytest.fixture
def people(app) -> People:
    return People()


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign in with the test client (CSRF is off in TestingConfig)."""
    return client.post("/login", data={"email": email, "password": password})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    """Wait until the server answers at url, failing early if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not answer at {url}")


class LiveServer:
    """The real eventlet server (`python wsgi.py`) in its own process, on a free port."""

    def __init__(self, database_path: Path, instance_dir: Path, env: dict | None = None):
        self.database_path = database_path
        self.instance_dir = instance_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = instance_dir / "server.log"

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FORUM_"))}
        env.update(
            FORUM_ENV="development",
            FORUM_INSTANCE_DIR=str(self.instance_dir),
            DATABASE_URL=f"sqlite:///{self.database_path}",
            HOST="127.0.0.1",
            PORT=str(self.port),
            ALLOWED_ORIGINS=self.url,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> "LiveServer":
        if has_app_context():
            db.session.commit()  # what the test set up is stored before the server reads it
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(
            [sys.executable, "wsgi.py"], cwd=ROOT, env=self.environment(), stdout=log, stderr=log
        )
        log.close()
        wait_for(self.url + "/login", self.process)
        return self

    def kill(self) -> None:
        """Crash the server: SIGKILL, no clean-up."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def session(self, email: str, password: str = PASSWORD) -> requests.Session:
        """A requests session signed in through the real sign-in form."""
        if has_app_context():
            db.session.commit()  # what the test set up is stored before the server reads it
        http = requests.Session()
        page = http.get(self.url + "/login", timeout=10)
        token = csrf_token_from(page.text)
        response = http.post(
            self.url + "/login",
            data={"email": email, "password": password, "csrf_token": token},
            timeout=10,
        )
        assert response.status_code == 200 and "Sign in" not in _title(response.text), response.text[:500]
        return http


def csrf_token_from(html: str) -> str:
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _title(html: str) -> str:
    start = html.find("<title>")
    return html[start : html.find("</title>")] if start >= 0 else ""


Seeded = TypeVar("Seeded")


@contextmanager
def module_server(
    migrated_database: Path, tmp_path_factory, name: str, seed: Callable[[], Seeded]
) -> Iterator[tuple[LiveServer, Seeded]]:
    """For a module of tests: a real server on its own copy of the migrated database, seeded once by
    `seed` in this process's app context (open while the server runs); the server signs with this
    app's key, so links seeded here work there. Stopped, and this process's connections closed, after."""
    base = tmp_path_factory.mktemp(name)
    path = base / "forum.db"
    shutil.copyfile(migrated_database, path)
    (base / "instance").mkdir()
    app = make_app(path)
    with app.app_context():
        seeded = seed()
        server = LiveServer(path, base / "instance", env={"SECRET_KEY": app.config["SECRET_KEY"]}).start()
        try:
            yield server, seeded
        finally:
            server.stop()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def live_server(app, database_path, tmp_path):
    """A real eventlet server sharing the test's database; seed data with `people` first or after."""
    instance = tmp_path / "instance"
    instance.mkdir()
    server = LiveServer(database_path, instance).start()
    yield server
    server.stop()

"""Shared pieces of the security tests: one real server per test module, signed-in room clients."""

import asyncio
import shutil
from collections.abc import Iterator

import pytest
import requests
from flask import has_app_context

from forum.extensions import db
from tests.conftest import LiveServer, People, csrf_token_from, make_app
from tests.live_clients import RoomClient


@pytest.fixture(scope="module")
def module_app(migrated_database, tmp_path_factory):
    """An app on its own migrated database, shared by one test module."""
    path = tmp_path_factory.mktemp("security-db") / "forum.db"
    shutil.copyfile(migrated_database, path)
    app = make_app(path)
    app.config["DATABASE_PATH"] = path
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def start_server(app, tmp_path_factory, env: dict | None = None) -> LiveServer:
    """A real eventlet server on the app's database (env: extra configuration)."""
    if has_app_context():
        db.session.commit()  # what the test set up is stored before the server reads it
    instance = tmp_path_factory.mktemp("security-instance")
    return LiveServer(app.config["DATABASE_PATH"], instance, env=env).start()


@pytest.fixture(scope="module")
def module_server(module_app, tmp_path_factory) -> Iterator[LiveServer]:
    """The real eventlet server on the module's database, started once for the module."""
    server = start_server(module_app, tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_people(module_app) -> People:
    return People()


def post_form(http: requests.Session, url: str, path: str, data: dict | None = None) -> requests.Response:
    """POST like a browser form on a page of the site (CSRF token from the page's meta tag)."""
    token = csrf_token_from(http.get(url + "/", timeout=10).text)
    return http.post(url + path, data=data or {}, headers={"X-CSRFToken": token}, timeout=10)


def room_client(server: LiveServer, email: str, forum_id: int, reconnect: bool = True) -> RoomClient:
    client = RoomClient(server.url, server.session(email), origin=server.url, forum_id=forum_id)
    client.sio.reconnection = reconnect
    return client


def run(coroutine, timeout: float = 90):
    """Run a scenario on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


def server_errors(log: str) -> list[str]:
    """Lines of the server log that show a crash or a 500."""
    markers = ("Traceback", " 500 ", "Internal Server Error", "socket event")
    return [line for line in log.splitlines() if any(marker in line for marker in markers)]

"""The test OpenID Connect provider as a process, and fixtures of the real server using it."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, LiveServer, free_port, wait_for
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

METRICS_TOKEN = "metrics-token-for-council-tests"


class Provider:
    """The test OpenID provider in its own process."""

    def __init__(self, redirect_uri: str, log_path: Path):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "oidc_provider.py"), str(self.port), redirect_uri],
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        log.close()
        wait_for(self.issuer + "/jwks", self.process)

    def next_login(self, email: str, name: str = "", email_verified=True, tamper: str | None = None) -> None:
        person = {"email": email, "name": name, "email_verified": email_verified, "tamper": tamper}
        requests.post(self.issuer + "/test/next-login", json=person, timeout=10).raise_for_status()

    def log(self) -> list[dict]:
        return requests.get(self.issuer + "/test/log", timeout=10).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def start_council(database_path, tmp_path, password_sign_in: bool = True):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    server = LiveServer(database_path, instance)
    provider = Provider(f"{server.url}/login/council/callback", tmp_path / "provider.log")
    server.extra_env = {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_NAME": "Leeds City Council account",
        "PASSWORD_SIGN_IN": "true" if password_sign_in else "false",
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    return provider, server


@pytest.fixture(name="council")
def council_fixture(app, database_path, tmp_path):
    provider, server = start_council(database_path, tmp_path)
    try:
        server.start()
        yield provider, server
    finally:
        server.stop()
        provider.stop()


@pytest.fixture(name="council_only")
def council_only_fixture(app, database_path, tmp_path):
    provider, server = start_council(database_path, tmp_path, password_sign_in=False)
    try:
        server.start()
        yield provider, server
    finally:
        server.stop()
        provider.stop()

"""The council's OpenID provider for the tests (the npm package oidc-provider, run by
tests/oidc/provider.mjs on 127.0.0.1) as a process, and fixtures of the real server using it."""

import json
import os
import re
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.conftest import ROOT, LiveServer, free_port, wait_for

CLIENT_ID = "rethink-forum-tests"
CLIENT_SECRET = "client-secret-for-tests-only"  # noqa: S105 - the test provider's own client
METRICS_TOKEN = "metrics-token-for-council-tests"

# The people the test council knows, by the account id typed on its sign-in page.
ACCOUNTS = [
    {"id": "nurse", "email": "Nurse@Example.org", "email_verified": True, "name": "Nina N."},
    {"id": "nurse-unverified", "email": "nurse@example.org", "email_verified": False, "name": "Nina"},
    {"id": "stranger", "email": "stranger@example.org", "email_verified": True, "name": "Sam Stranger"},
    {"id": "hana", "email": "hana@example.org", "email_verified": True, "name": "Hana Housing"},
    {"id": "hana-renamed", "email": "hana@example.org", "email_verified": True, "name": "Someone Else"},
    # A provider (or an impostor) gone wrong: an ID token with another request's nonce, properly
    # signed; and one signed by a key the provider does not publish.
    {"id": "nurse-nonce", "email": "nurse@example.org", "email_verified": True, "tamper": "nonce"},
    {"id": "nurse-forged", "email": "nurse@example.org", "email_verified": True, "tamper": "signature"},
]

LOGOUT_FORM = re.compile(
    r'<form id="op\.logoutForm"[^>]*action="([^"]+)"[^>]*>.*?name="xsrf" value="([^"]+)"', re.S
)


class Provider:
    """The test council's OpenID provider in its own node process."""

    def __init__(self, server_url: str, log_path: Path):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        client = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": f"{server_url}/login/council/callback",
            "post_logout_redirect_uri": f"{server_url}/login",
        }
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(
            ["node", str(ROOT / "tests" / "oidc" / "provider.mjs"), str(self.port)],  # noqa: S607 - node on PATH
            cwd=ROOT,
            env={
                "PATH": os.environ.get("PATH", ""),
                "OIDC_TEST_CLIENT": json.dumps(client),
                "OIDC_TEST_ACCOUNTS": json.dumps(ACCOUNTS),
            },
            stdout=log,
            stderr=log,
        )
        log.close()
        try:
            wait_for(self.issuer + "/.well-known/openid-configuration", self.process)
        except RuntimeError:
            self.stop()
            raise

    def sign_in(
        self,
        server: LiveServer,
        account: str | None,
        http: requests.Session | None = None,
        edit_callback=None,
    ) -> requests.Response:
        """Press "Sign in with …" and, on the council's sign-in page, sign in as account, following
        every redirect (edit_callback may change the URL the provider sends the browser back to)."""
        http = http or requests.Session()
        response = http.get(f"{server.url}/login/council", allow_redirects=False, timeout=15)
        history, signed_in = [], False
        while True:
            if response.is_redirect:
                target = urljoin(response.url, response.headers["Location"])
                if edit_callback and target.startswith(f"{server.url}/login/council/callback"):
                    target = edit_callback(target)
                history.append(response)
                response = http.get(target, allow_redirects=False, timeout=15)
            elif self.asks_who(response) and account is not None and not signed_in:
                signed_in = True
                response = http.post(
                    response.url, data={"account": account}, allow_redirects=False, timeout=15
                )
            else:
                break
        response.history = history
        return response

    def asks_who(self, response: requests.Response) -> bool:
        """Whether this is the council's own sign-in page."""
        return response.url.startswith(self.issuer + "/interaction/") and 'name="account"' in response.text

    def confirm_sign_out(self, http: requests.Session, page: requests.Response) -> requests.Response:
        """Press "Yes, sign me out" on the council's end-session page."""
        action, xsrf = LOGOUT_FORM.search(page.text).groups()
        return http.post(unescape(action), data={"xsrf": xsrf, "logout": "yes"}, timeout=15)

    def log(self) -> list[dict]:
        return requests.get(self.issuer + "/test/log", timeout=10).json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def start_council(database_path, tmp_path, password_sign_in: bool = True):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    server = LiveServer(database_path, instance)
    provider = Provider(server.url, tmp_path / "provider.log")
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

"""A small OpenID Connect provider for the tests, run as its own process on 127.0.0.1.

It does what a council's provider does for the authorization code flow: discovery, authorize (with
PKCE S256 required), token (client secret, code single use, code_verifier checked), an RS256-signed
ID token with the nonce, JWKS and RP-initiated logout. Instead of a login page, the test says who
signs in next (POST /test/next-login), and may ask it to misbehave (a forged state, nonce or
signature) to show the app refuses. GET /test/log lists what it was asked.

    python tests/oidc_provider.py PORT REDIRECT_URI
"""

import base64
import hashlib
import secrets
import sys
import threading
import time
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import run_simple

CLIENT_ID = "rethink-forum-tests"
CLIENT_SECRET = "client-secret-for-tests-only"  # noqa: S105 - the test provider's own client


def create_provider(issuer: str, redirect_uri: str) -> Flask:
    app = Flask(__name__)
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
    impostor = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
    lock = threading.Lock()
    codes: dict[str, dict] = {}
    state = {"next_login": None, "log": []}

    def note(kind: str, **fields) -> None:
        with lock:
            state["log"].append({"kind": kind, **fields})

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=issuer,
            authorization_endpoint=f"{issuer}/authorize",
            token_endpoint=f"{issuer}/token",
            jwks_uri=f"{issuer}/jwks",
            end_session_endpoint=f"{issuer}/end-session",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            scopes_supported=["openid", "email", "profile"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[key.as_dict(private=False)])

    @app.post("/test/next-login")
    def next_login():
        state["next_login"] = request.get_json()
        return jsonify(ok=True)

    @app.get("/test/log")
    def log():
        with lock:
            return jsonify(state["log"])

    @app.get("/authorize")
    def authorize():
        args = request.args
        note("authorize", **args.to_dict())
        if args.get("client_id") != CLIENT_ID or args.get("redirect_uri") != redirect_uri:
            return "unknown client or redirect URI", 400
        back = {"state": args.get("state", "")}
        if args.get("response_type") != "code" or "openid" not in args.get("scope", "").split():
            return redirect(f"{redirect_uri}?{urlencode({**back, 'error': 'invalid_request'})}")
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            return redirect(f"{redirect_uri}?{urlencode({**back, 'error': 'invalid_request'})}")
        person = state["next_login"]
        if person is None:
            return redirect(f"{redirect_uri}?{urlencode({**back, 'error': 'access_denied'})}")
        code = secrets.token_urlsafe(24)
        with lock:
            codes[code] = {"challenge": args["code_challenge"], "nonce": args.get("nonce"), "person": person}
        if person.get("tamper") == "state":
            back["state"] = "forged-" + back["state"]
        return redirect(f"{redirect_uri}?{urlencode({**back, 'code': code})}")

    def client_authenticated() -> bool:
        auth = request.authorization
        if auth is not None:
            return auth.username == CLIENT_ID and auth.password == CLIENT_SECRET
        return (
            request.form.get("client_id") == CLIENT_ID and request.form.get("client_secret") == CLIENT_SECRET
        )

    @app.post("/token")
    def token():
        form = request.form
        note("token", has_code_verifier=bool(form.get("code_verifier")), grant_type=form.get("grant_type"))
        if not client_authenticated():
            return jsonify(error="invalid_client"), 401
        with lock:
            grant = codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return jsonify(error="invalid_grant"), 400
        if form.get("redirect_uri") != redirect_uri:
            return jsonify(error="invalid_grant"), 400
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or digest != grant["challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE verification failed"), 400
        person = grant["person"]
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": hashlib.sha256(person["email"].encode()).hexdigest()[:24],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "forged-nonce" if person.get("tamper") == "nonce" else grant["nonce"],
            "email": person["email"],
            "email_verified": person.get("email_verified", True),
            "name": person.get("name", ""),
        }
        signer = impostor if person.get("tamper") == "signature" else key
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, signer)
        return jsonify(
            access_token=secrets.token_urlsafe(24), token_type="Bearer", expires_in=300, id_token=id_token
        )

    @app.get("/end-session")
    def end_session():
        note("end_session", **request.args.to_dict())
        target = request.args.get("post_logout_redirect_uri")
        if target:
            return redirect(f"{target}?{urlencode({'state': request.args.get('state', '')})}")
        return "signed out"

    return app


if __name__ == "__main__":
    port, redirect_to = int(sys.argv[1]), sys.argv[2]
    provider = create_provider(f"http://127.0.0.1:{port}", redirect_to)
    run_simple("127.0.0.1", port, provider, threaded=True)

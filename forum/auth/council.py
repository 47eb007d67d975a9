"""Council sign-in over OpenID Connect (authorization code flow with PKCE, state and nonce), with
Authlib as the client. On when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set."""

import logging
import secrets

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from joserfc.errors import JoseError

from forum import metrics
from forum.auth.session import start_session
from forum.extensions import limiter
from forum.services import ServiceError
from forum.services.council_sign_in import CouncilSignInRefusedError, council_account, refused_sign_in
from forum.unit_of_work import unit_of_work
from forum.web.links import absolute

log = logging.getLogger(__name__)

bp = Blueprint("council", __name__)

CLIENT_KEY = "council_oidc"  # app.extensions key of this app's Authlib registry
SIGNED_IN_WITH = "signed_in_with"  # session key: "council" when the provider signed this session in
NEXT = "council_next"
DID_NOT_COMPLETE = (
    "Signing in with your council account did not complete, so you are not signed in. Try again; if it "
    "keeps failing, tell your administrator."
)


def register_council_sign_in(app: Flask) -> None:
    """Register the council's provider with Authlib (its metadata is fetched on first use)."""

    @app.context_processor
    def council_settings():
        return {"council_sign_in": CLIENT_KEY in current_app.extensions}

    if not app.config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(app)
    oauth.register(
        "council",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "default_timeout": 10,
        },
    )
    app.extensions[CLIENT_KEY] = oauth


def council_client():
    """This app's client of the council's provider, or None when council sign-in is off."""
    oauth = current_app.extensions.get(CLIENT_KEY)
    return oauth.council if oauth is not None else None


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login/council")
def start():
    """Send the browser to the council's sign-in, with a fresh state, nonce and PKCE verifier."""
    client = council_client()
    if client is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("forums.index"))
    next_path = _safe_next(request.args.get("next"))
    if next_path:
        session[NEXT] = next_path
    try:
        return client.authorize_redirect(
            absolute(url_for("council.callback")), nonce=secrets.token_urlsafe(24)
        )
    except (AuthlibBaseError, requests.RequestException) as error:
        log.warning("council sign-in: provider unreachable (%s)", type(error).__name__)
        return _refused(DID_NOT_COMPLETE, 503)


@bp.route("/login/council/callback")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def callback():
    """Check the provider's answer (state, code with PKCE, ID token and nonce) and sign the person in."""
    client = council_client()
    if client is None:
        abort(404)
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("no ID token")
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError) as error:
        log.warning("council sign-in refused: %s", type(error).__name__)
        return _refused(DID_NOT_COMPLETE)
    try:
        with unit_of_work():
            user, forum_id = council_account(dict(claims), ip=request.remote_addr)
    except CouncilSignInRefusedError as error:
        with unit_of_work():  # the refusal is audited after what the attempt wrote was rolled back
            refused_sign_in(dict(claims), error, ip=request.remote_addr)
        return _refused(error.message)
    except ServiceError as error:
        return _refused(error.message)
    next_path = session.get(NEXT)
    session.clear()
    login_user(user)
    start_session()
    session[SIGNED_IN_WITH] = "council"
    if forum_id is not None:
        return redirect(url_for("forums.room", forum_id=forum_id))
    return redirect(next_path or url_for("forums.index"))


def _refused(message: str, status: int = 401):
    metrics.sign_in_failed("oidc")
    session.pop(NEXT, None)
    return render_template("auth/council_refused.html", message=message), status


def end_session_url() -> str | None:
    """Where to send the browser after a council-signed-in session ended here: the provider's
    end-session endpoint, when it has one (RP-initiated logout), coming back to our sign-in page."""
    client = council_client()
    if client is None:
        return None
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        result = client.create_logout_url(
            post_logout_redirect_uri=absolute(url_for("auth.login")), client_id=client.client_id
        )
    except (AuthlibBaseError, requests.RequestException, RuntimeError) as error:
        log.warning("council sign-out: no end-session endpoint (%s)", type(error).__name__)
        return None
    return result["url"]

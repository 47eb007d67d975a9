"""Rethink Forum: a live multi-agency Rethink Formulation forum."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, load_config
from forum.extensions import csrf, db, limiter, login_manager, migrate, socketio

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Config | None = None) -> Flask:
    """Build the application; this only wires the parts together."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config or load_config())
    register_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_realtime(app)
    register_commands(app)
    register_logging(app)
    return app


def register_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client's address and scheme from their headers.

    Without it every request behind nginx comes from 127.0.0.1: one sign-in limit for everyone, and
    the proxy's address in the audit trail. Only that many hops are trusted, so a client cannot
    forge its address by sending X-Forwarded-For itself.
    """
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from forum.db_events import register_sqlite_pragmas

    register_sqlite_pragmas(app)
    socketio.init_app(
        app,
        message_queue=app.config["REDIS_URL"] or None,
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=app.config["SOCKETIO_ALLOWED_ORIGINS"] or None,  # None: same origin only
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        manage_session=False,
    )


def register_blueprints(app: Flask) -> None:
    """Attach the web blueprints."""
    from forum.auth.council import bp as council_bp
    from forum.auth.council import register_council_sign_in
    from forum.auth.session import register_session
    from forum.auth.views import bp as auth_bp
    from forum.web.account import bp as account_bp
    from forum.web.admin import bp as admin_bp
    from forum.web.admin_users import bp as admin_users_bp
    from forum.web.errors import register_error_pages
    from forum.web.forums import bp as forums_bp
    from forum.web.invitations import bp as invitations_bp
    from forum.web.manage import bp as manage_bp
    from forum.web.operations import bp as operations_bp
    from forum.web.pages import bp as pages_bp
    from forum.web.pages import register_navigation
    from forum.web.people import bp as people_bp
    from forum.web.progress import bp as progress_bp
    from forum.web.review import bp as review_bp
    from forum.web.security import register_security_headers
    from forum.web.versions import bp as versions_bp

    register_session(app)
    register_security_headers(app)
    register_navigation(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(auth_bp)
    register_council_sign_in(app)
    app.register_blueprint(council_bp)
    app.register_blueprint(forums_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(admin_users_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(versions_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(operations_bp)
    register_error_pages(app)


def register_realtime(app: Flask) -> None:
    """Attach the Socket.IO namespaces; with REDIS_URL, relay access signals between processes."""
    from forum.realtime import register_namespaces, register_signal_relay

    register_namespaces(socketio)
    register_signal_relay(app)


def register_commands(app: Flask) -> None:
    """Attach the administrators' flask commands."""
    from forum.cli import register_cli

    register_cli(app)


class RefusedOriginFilter(logging.Filter):
    """Engine.IO logs a refused Origin as it arrives (any text a client sends): log that it happened only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "is not an accepted origin" in str(record.msg):
            record.msg, record.args = "a connection from an origin that is not allowed was refused", ()
        return True


def register_logging(app: Flask) -> None:
    """Log to stderr; messages carry identifiers only, never personal data."""
    engineio_log = logging.getLogger("engineio.server")
    if not any(isinstance(item, RefusedOriginFilter) for item in engineio_log.filters):
        engineio_log.addFilter(RefusedOriginFilter())
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

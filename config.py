"""Configuration classes, read from the environment."""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("FORUM_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised when the environment cannot make a safe configuration."""


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from error


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _networks(name: str) -> list:
    """Addresses or networks (127.0.0.1, 10.0.0.0/8, ::1) from a comma-separated variable."""
    try:
        return [ipaddress.ip_network(item, strict=False) for item in _env_list(name)]
    except ValueError as error:
        raise ConfigError(
            f"{name} must list addresses or networks, e.g. 127.0.0.1,10.0.0.0/8: {error}"
        ) from error


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'forum.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):  # the pinned driver (psycopg2), not SQLAlchemy's default
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


def _development_secret() -> str:
    """Generate a secret key once and keep it in the instance folder."""
    path = INSTANCE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = ""
    SOCKETIO_CHANNEL = "flask-socketio"  # the Redis channel of one deployment's processes
    SOCKETIO_ALLOWED_ORIGINS: list[str] = []
    SOCKETIO_ASYNC_MODE = "threading"
    FORMULATION_TEMPLATE = ""
    SEED_DEMO = False
    SERVER_PUBLIC_URL = ""
    MAIL_SERVER = ""  # SMTP for invitations; without it the chair is shown the link to pass on
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = ""
    INVITATION_DAYS = 7
    REMINDER_DAYS_BEFORE_DUE = 3  # an action's owner is reminded this many days before its due date
    REMINDER_DAYS_BEFORE_REVIEW = 7  # the lead worker and chair, this many days before the review date

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_IDLE_MINUTES = 30
    VOTE_BUDGET = 3
    DOCUMENT_COMPACT_EVERY = 500
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "20 per minute"  # per address
    LOGIN_LOCKOUT_LIMIT = "5 per 15 minutes"  # failed sign-ins per account, then a temporary lock-out
    SOCKET_EVENTS_PER_SECOND = 40  # per live-room connection, on average (token bucket)
    SOCKET_EVENTS_BURST = 120  # events a connection may send at once before the rate applies
    SOCKET_MAX_REFUSALS = 20  # refused events (over the limit, malformed) that disconnect a connection...
    SOCKET_REFUSAL_WINDOW = 10  # ...within this many seconds
    RETENTION_DAYS = 0  # purge live documents of forums locked longer ago than this; 0: never
    RETAIN_LOCKED_VERSIONS = "true"  # "true": kept for ever; "false": purged too; or days
    METRICS_TOKEN = ""  # /metrics answers a request bearing it...
    METRICS_ALLOWED_ADDRESSES: list = []  # ...or from these networks; with neither, /metrics is off
    OIDC_ISSUER = ""  # the council's OpenID Connect provider; with the client id and secret, its sign-in
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_NAME = "your council's account"  # how the sign-in button names the provider
    PASSWORD_SIGN_IN = True

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        self.SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "flask-socketio")
        self.SOCKETIO_ALLOWED_ORIGINS = _env_list("ALLOWED_ORIGINS")
        self.FORMULATION_TEMPLATE = os.environ.get("FORMULATION_TEMPLATE", "")
        self.SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
        self.VOTE_BUDGET = _env_int("VOTE_BUDGET", 3)
        self.DOCUMENT_COMPACT_EVERY = _env_int("DOCUMENT_COMPACT_EVERY", 500)
        if self.VOTE_BUDGET < 1 or self.DOCUMENT_COMPACT_EVERY < 1:
            raise ConfigError("VOTE_BUDGET and DOCUMENT_COMPACT_EVERY must be at least 1.")
        self.SERVER_PUBLIC_URL = os.environ.get("SERVER_PUBLIC_URL", "")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = _env_int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "")
        self.INVITATION_DAYS = _env_int("INVITATION_DAYS", 7)
        self.REMINDER_DAYS_BEFORE_DUE = _env_int("REMINDER_DAYS_BEFORE_DUE", 3)
        self.REMINDER_DAYS_BEFORE_REVIEW = _env_int("REMINDER_DAYS_BEFORE_REVIEW", 7)
        if self.REMINDER_DAYS_BEFORE_DUE < 0 or self.REMINDER_DAYS_BEFORE_REVIEW < 0:
            raise ConfigError("REMINDER_DAYS_BEFORE_DUE and REMINDER_DAYS_BEFORE_REVIEW must be 0 or more.")
        self.SOCKET_EVENTS_PER_SECOND = _env_int("SOCKET_EVENTS_PER_SECOND", 40)
        self.SOCKET_EVENTS_BURST = _env_int("SOCKET_EVENTS_BURST", 120)
        self.SOCKET_MAX_REFUSALS = _env_int("SOCKET_MAX_REFUSALS", 20)
        self.SOCKET_REFUSAL_WINDOW = _env_int("SOCKET_REFUSAL_WINDOW", 10)
        self.RETENTION_DAYS = _env_int("RETENTION_DAYS", 0)
        # Reverse proxies in front of the server whose X-Forwarded-For/-Proto/-Host are trusted (nginx: 1).
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        self.RETAIN_LOCKED_VERSIONS = os.environ.get("RETAIN_LOCKED_VERSIONS", "true").strip().lower()
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
        self.METRICS_ALLOWED_ADDRESSES = _networks("METRICS_ALLOWED_ADDRESSES")
        self.OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
        self.OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
        self.OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
        self.OIDC_NAME = os.environ.get("OIDC_NAME", "") or self.OIDC_NAME
        oidc = (self.OIDC_ISSUER, self.OIDC_CLIENT_ID, self.OIDC_CLIENT_SECRET)
        if any(oidc) and not all(oidc):
            raise ConfigError("OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together.")
        self.PASSWORD_SIGN_IN = _env_bool("PASSWORD_SIGN_IN", True)
        if not self.PASSWORD_SIGN_IN and not self.OIDC_ISSUER:
            raise ConfigError(
                "PASSWORD_SIGN_IN=false needs OpenID Connect (OIDC_ISSUER) or nobody can sign in."
            )
        # The server entry point (wsgi.py) sets eventlet; commands and tests need no event loop.
        self.SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "threading")
        if self.REDIS_URL:
            self.RATELIMIT_STORAGE_URI = self.REDIS_URL
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            self.SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 30}}


class DevelopmentConfig(Config):
    """Embedded default: one process, SQLite under instance/, demo data."""

    ENV_NAME = "development"
    SEED_DEMO = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret()


class TestingConfig(Config):
    """Used by the test suite; the database URL is given by the tests."""

    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or "testing-secret-key-not-for-use"


class ProductionConfig(Config):
    """Production: secure cookies, a secret key from the environment, no demo data."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        if not self.SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the environment, "
                'e.g. python -c "import secrets; print(secrets.token_hex(32))".'
            )
        if not self.SOCKETIO_ALLOWED_ORIGINS:
            raise ConfigError(
                "ALLOWED_ORIGINS is not set. Production needs the site's own origin, "
                "e.g. ALLOWED_ORIGINS=https://forum.example.gov.uk."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Build the configuration named by FORUM_ENV (development by default)."""
    name = name or os.environ.get("FORUM_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"FORUM_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]()

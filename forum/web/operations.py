"""For the people who run the service: a health check for the load balancer, and Prometheus metrics.

/healthz is public and says only whether this process, its database and (when configured) Redis
answer. /metrics is served only to the addresses in METRICS_ALLOWED_ADDRESSES or to a request
bearing METRICS_TOKEN; with neither set it does not exist.
"""

import hmac
import ipaddress
import logging

import redis
from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import text

from forum import metrics
from forum.extensions import db
from forum.realtime.namespace import REGISTRY_KEY

log = logging.getLogger(__name__)

bp = Blueprint("operations", __name__)

CHECK_TIMEOUT = 2.0  # seconds: a load balancer's probe must not hang on a dead dependency


def _database() -> str:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not reachable" to the load balancer
        log.warning("health check: database unreachable (%s)", type(error).__name__)
        return "unreachable"
    return "ok"


def _redis(url: str) -> str:
    if not url:
        return "not configured"
    client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        log.warning("health check: Redis unreachable (%s)", type(error).__name__)
        return "unreachable"
    finally:
        client.close()
    return "ok"


@bp.route("/healthz")
def healthz():
    """200 when this process, the database and Redis (if configured) answer; 503 otherwise."""
    checks = {
        "process": "ok",
        "database": _database(),
        "redis": _redis(current_app.config.get("REDIS_URL", "")),
    }
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _may_read_metrics() -> bool:
    """Whether this request bears METRICS_TOKEN or comes from METRICS_ALLOWED_ADDRESSES."""
    token = current_app.config.get("METRICS_TOKEN", "")
    presented = request.headers.get("Authorization", "")
    bearer = presented.removeprefix("Bearer ") if presented.startswith("Bearer ") else ""
    if token and bearer and hmac.compare_digest(bearer.encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config.get("METRICS_ALLOWED_ADDRESSES", []))


@bp.route("/metrics")
def prometheus_metrics():
    """This process's metrics in the Prometheus text format, to the allowed addresses or token only."""
    config = current_app.config
    if not config.get("METRICS_TOKEN") and not config.get("METRICS_ALLOWED_ADDRESSES"):
        abort(404)
    if not _may_read_metrics():
        abort(403)
    rooms = current_app.extensions.get(REGISTRY_KEY)
    body = metrics.exposition(
        connected_sockets=len(rooms.connections) if rooms else 0,
        open_rooms=len(rooms.rooms) if rooms else 0,
    )
    response = Response(body, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response

"""Signed one-time links: an itsdangerous signature over (row id, random secret).

The database keeps only the SHA-256 of the secret, so a leaked database cannot produce a
working link, and a link whose row is used, withdrawn or expired is refused by the row.
A link that must be shown again (an invitation the chair copies later) has its secret derived
from a random nonce and SECRET_KEY: still nothing in the database alone makes a working link.
"""

import hashlib
import hmac
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from forum.services import ServiceError


class LinkRefusedError(ServiceError):
    """A link that cannot be used; code says why (tampered, expired, used, withdrawn)."""


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"rethink-forum.{purpose}")


def new_secret() -> tuple[str, str]:
    """A fresh random secret and the hash to store for it."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def new_nonce() -> str:
    """A random nonce from which derived_secret() makes a link's secret."""
    return secrets.token_urlsafe(24)


def derived_secret(purpose: str, nonce: str) -> str:
    """The secret of a link that can be shown again: HMAC-SHA256(SECRET_KEY, purpose and nonce)."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"rethink-forum.{purpose}.{nonce}".encode(), hashlib.sha256).hexdigest()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def sign(purpose: str, row_id: int, secret: str) -> str:
    """The URL-safe token for a row and its secret."""
    return _serializer(purpose).dumps([row_id, secret])


def unsign(purpose: str, token: str) -> tuple[int, str]:
    """The row id and secret in a token; LinkRefusedError("tampered") if it was not signed by us."""
    try:
        row_id, secret = _serializer(purpose).loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise LinkRefusedError("This link is not valid. Check you copied all of it.", "tampered") from error
    if not isinstance(row_id, int) or not isinstance(secret, str):
        raise LinkRefusedError("This link is not valid. Check you copied all of it.", "tampered")
    return row_id, secret


def secret_matches(stored_hash: str, secret: str) -> bool:
    return hmac.compare_digest(stored_hash, hash_secret(secret))

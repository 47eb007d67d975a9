"""Event names and payload schemas of the /forum namespace, checked before any work."""

import base64
import binascii
import json
from dataclasses import dataclass

from forum.services import ServiceError

NAMESPACE = "/forum"

# Client → server
JOIN = "join"
UPDATE = "update"
ENTRY_ADD = "entry:add"
ENTRY_REMOVE = "entry:remove"
ENTRY_MOVE = "entry:move"
ENTRY_RESTORE = "entry:restore"
FOCUS = "focus"
LEAVE = "leave"
SYNC = "sync"

# Server → client
SERVER_UPDATE = "update"
SERVER_ENTRIES = "entries"
SERVER_PRESENCE = "presence"

KIB = 1024
MAX_ID = 2**53 - 1  # the largest integer a browser holds exactly


@dataclass(frozen=True)
class Field:
    """One payload field: its kind and whether it may be null."""

    kind: str  # "id", "base64", "panel", "direction"
    nullable: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Schema:
    """The fields of an event's payload and its size limit (bytes of JSON)."""

    fields: dict[str, Field]
    max_bytes: int = 4 * KIB


SCHEMAS: dict[str, Schema] = {
    JOIN: Schema({"forum": Field("id"), "sv": Field("base64", optional=True)}, max_bytes=64 * KIB),
    UPDATE: Schema({"forum": Field("id"), "update": Field("base64")}, max_bytes=256 * KIB),
    ENTRY_ADD: Schema({"forum": Field("id"), "panel": Field("panel")}),
    ENTRY_REMOVE: Schema({"forum": Field("id"), "entry": Field("id")}),
    ENTRY_MOVE: Schema({"forum": Field("id"), "entry": Field("id"), "direction": Field("direction")}),
    ENTRY_RESTORE: Schema({"forum": Field("id"), "entry": Field("id")}),
    FOCUS: Schema({"forum": Field("id"), "entry": Field("id", nullable=True)}),
    LEAVE: Schema({"forum": Field("id")}),
    SYNC: Schema({"forum": Field("id"), "sv": Field("base64")}, max_bytes=64 * KIB),
}


def payload_size(payload: object) -> int:
    """The size of a payload as compact JSON, in bytes."""
    if isinstance(payload, dict) and all(isinstance(v, str | int | None) for v in payload.values()):
        # Cheap for the common shape; strings dominate, so this is close to the JSON size.
        return sum(len(str(k)) + len(v if isinstance(v, str) else str(v)) + 6 for k, v in payload.items())
    return len(json.dumps(payload, separators=(",", ":"), default=str).encode())


def _check_field(name: str, field: Field, value: object) -> object:
    if value is None:
        if field.nullable:
            return None
        raise ServiceError(f"'{name}' is required.")
    if field.kind == "id":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
            raise ServiceError(f"'{name}' must be a positive whole number.")
        return value
    if not isinstance(value, str):
        raise ServiceError(f"'{name}' must be a string.")
    if field.kind == "base64":
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ServiceError(f"'{name}' must be base64 (standard alphabet, padded).") from error
    if field.kind == "panel":
        if not value.isidentifier() or len(value) > 32:
            raise ServiceError(f"'{name}' must be a panel key.")
        return value
    if field.kind == "direction":
        if value not in ("up", "down"):
            raise ServiceError(f"'{name}' must be 'up' or 'down'.")
        return value
    raise AssertionError(f"unknown field kind {field.kind}")


def validate(event: str, payload: object) -> dict:
    """The payload with base64 fields decoded to bytes, or ServiceError invalid / too_large.

    Unknown fields are refused, so nothing (e.g. an author or agency) can be slipped in.
    """
    schema = SCHEMAS[event]
    if payload_size(payload) > schema.max_bytes:
        raise ServiceError(
            f"The '{event}' message is larger than {schema.max_bytes // KIB} KiB.", code="too_large"
        )
    if not isinstance(payload, dict):
        raise ServiceError(f"The '{event}' message must be an object.")
    unknown = sorted(set(payload) - set(schema.fields))
    if unknown:
        raise ServiceError(f"The '{event}' message has unknown fields: {', '.join(map(str, unknown))}.")
    checked = {}
    for name, field in schema.fields.items():
        if name not in payload and field.optional:
            continue
        if name not in payload and not field.nullable:
            raise ServiceError(f"'{name}' is required.")
        checked[name] = _check_field(name, field, payload.get(name))
    return checked

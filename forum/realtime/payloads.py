"""The payload of every client event of /forum as a pydantic model: strict types, unknown fields
refused, and each field's kind named (for docs/protocol.md and the fuzz tests).

A refused payload is a ServiceError `invalid` (or `too_large`) whose message names the field.
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from forum.services import ServiceError, agreement, votes
from forum.services.stages import ORDER

KIB = 1024
MAX_ID = 2**53 - 1  # the largest integer a browser holds exactly
MAX_TEXT = agreement.MAX_REASON


@dataclass(frozen=True)
class Kind:
    """What a field holds, as the protocol names it: id, ids, base64, bool, text, date, panel, choice:a|b."""

    name: str


def _base64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("must be base64 (standard alphabet, padded)") from error


def _date(value: object) -> dt.date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("must be a date, YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError("must be a date, YYYY-MM-DD") from error


def _panel(value: str) -> str:
    if not value.isidentifier() or len(value) > 32:
        raise ValueError("must be a panel key")
    return value


def _choice(*values: str):
    return Annotated[Literal[values], Kind("choice:" + "|".join(values))]


Id = Annotated[int, Field(gt=0, le=MAX_ID), Kind("id")]
Ids = Annotated[list[Id], Field(max_length=votes.MAX_PRIORITIES), Kind("ids")]
Base64 = Annotated[bytes, BeforeValidator(_base64), Kind("base64")]
Flag = Annotated[bool, Kind("bool")]
Words = Annotated[str, Field(max_length=MAX_TEXT), Kind("text")]
Date = Annotated[dt.date, BeforeValidator(_date), Kind("date")]
Panel = Annotated[str, AfterValidator(_panel), Kind("panel")]
Direction = _choice("up", "down")
SpotlightTarget = Annotated[str, Field(pattern=r"^(entry|goal|action):[1-9][0-9]{0,8}$"), Kind("target")]
StageName = _choice(*(stage.value for stage in ORDER))
StanceName = _choice("agree", "agree_with_concerns", "object")
PrincipleKey = _choice(*(key for key, _question in agreement.PRINCIPLES))
Answer = _choice("yes", "no", "partly")


class Payload(BaseModel):
    """Every event names its forum; nothing else may be slipped in (an author, an agency)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    forum: Id


class Join(Payload):
    sv: Base64 = b""


class Update(Payload):
    update: Base64


class Sync(Payload):
    sv: Base64


class PanelEntry(Payload):
    panel: Panel


class OneEntry(Payload):
    entry: Id


class EntryMove(Payload):
    entry: Id
    direction: Direction


class Focus(Payload):
    entry: Id | None = None  # None: the person stopped writing


class StageSet(Payload):
    stage: StageName
    confirm: Flag = False


class Spotlight(Payload):
    target: SpotlightTarget | None  # None clears the spotlight


class ToUser(Payload):
    user: Id


class Priorities(Payload):
    entries: Ids


class GoalAdd(Payload):
    from_entry: Id | None = None


class GoalRef(Payload):
    goal: Id


class ActionAdd(Payload):
    from_entry: Id | None = None
    goal: Id | None = None


class ActionSet(Payload):
    action: Id
    owner: Id | None = None
    due: Date | None = None
    goal: Id | None = None
    priority: Id | None = None


class ActionRef(Payload):
    action: Id


class ReviewSet(Payload):
    date: Date | None


class Nominate(Payload):
    user: Id | None


class StanceSet(Payload):
    stance: StanceName
    reason: Words | None = None


class PrincipleSet(Payload):
    key: PrincipleKey
    answer: Answer
    note: Words | None = None


class Lock(Payload):
    override_reason: Words | None = None


class Reopen(Payload):
    reason: Words


class VersionGet(Payload):
    number: Id


def payload_size(payload: object) -> int:
    """The size of a payload as compact JSON, in bytes."""
    if isinstance(payload, dict) and all(isinstance(v, str | int | None) for v in payload.values()):
        # Cheap for the common shape; strings dominate, so this is close to the JSON size.
        return sum(len(str(k)) + len(v if isinstance(v, str) else str(v)) + 6 for k, v in payload.items())
    return len(json.dumps(payload, separators=(",", ":"), default=str).encode())


def parse(event: str, model: type[Payload], payload: object, max_bytes: int) -> Payload:
    """The checked payload (base64 decoded, dates parsed), or ServiceError invalid / too_large."""
    if payload_size(payload) > max_bytes:
        raise ServiceError(f"The '{event}' message is larger than {max_bytes // KIB} KiB.", code="too_large")
    if not isinstance(payload, dict):
        raise ServiceError(f"The '{event}' message must be an object.")
    unknown = sorted(set(payload) - set(model.model_fields))
    if unknown:
        raise ServiceError(f"The '{event}' message has unknown fields: {', '.join(map(str, unknown))}.")
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise _refusal(error) from None


def _refusal(error: ValidationError) -> ServiceError:
    """The first problem, in the protocol's words (no echo of the value sent)."""
    problem = error.errors(include_input=False, include_url=False)[0]
    name = str(problem["loc"][0]) if problem["loc"] else "payload"
    if problem["type"] == "missing":
        return ServiceError(f"'{name}' is required.")
    if problem["type"] == "string_too_long":
        return ServiceError(f"'{name}' must be at most {MAX_TEXT} characters.", code="too_large")
    reason = problem["msg"].removeprefix("Value error, ")
    return ServiceError(f"'{name}' is not valid: {reason}.")


def fields_of(model: type[Payload]) -> dict[str, tuple[str, bool, bool]]:
    """Each field of a payload: (kind, optional, nullable), for the protocol and the fuzz tests."""
    described = {}
    for name, info in model.model_fields.items():
        kinds = [item for item in list(info.metadata) + _metadata(info.annotation) if isinstance(item, Kind)]
        nullable = type(None) in (getattr(info.annotation, "__args__", None) or ())
        described[name] = (kinds[0].name, not info.is_required(), nullable)
    return described


def _metadata(annotation) -> list:
    """The Annotated metadata of a field's type, looking inside `X | None`."""
    found = list(getattr(annotation, "__metadata__", ()))
    for inner in getattr(annotation, "__args__", ()) or ():
        found.extend(getattr(inner, "__metadata__", ()))
    return found

"""The canonical bytes of a locked version's document, its SHA-256, and the checked LockedVersion."""

import hashlib
import hmac
import json
from dataclasses import dataclass

CANONICALISATION = (
    "JSON, UTF-8, object keys sorted, no insignificant whitespace, non-ASCII characters not escaped "
    "(Python json.dumps(doc, sort_keys=True, separators=(',', ':'), ensure_ascii=False))"
)


class IntegrityError(ValueError):
    """A locked version's document does not match its recorded SHA-256."""


def canonical_json(document: dict) -> bytes:
    """The one byte form of a document that is hashed and stored by the lock."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(document: dict) -> str:
    """The SHA-256 (lower-case hex) of a document's canonical JSON."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


@dataclass(frozen=True, eq=False)
class LockedVersion:
    """A locked version's document with its SHA-256, checked on construction; exports render from this."""

    document: dict
    sha256: str

    def __post_init__(self):
        canonical = canonical_json(self.document)
        actual = hashlib.sha256(canonical).hexdigest()
        if not isinstance(self.sha256, str) or not hmac.compare_digest(actual, self.sha256.lower()):
            raise IntegrityError("The document does not match its recorded SHA-256; refusing to export it.")
        # A private copy, so later changes to the caller's dict cannot make the hash stale.
        object.__setattr__(self, "document", json.loads(canonical))
        object.__setattr__(self, "sha256", actual)

    @classmethod
    def from_canonical(cls, stored: bytes, sha256: str) -> "LockedVersion":
        """Rebuild from the bytes and hash the lock stored, refusing bytes that are not canonical."""
        document = json.loads(stored.decode("utf-8"))
        if canonical_json(document) != stored:
            raise IntegrityError("The stored bytes are not in canonical form.")
        return cls(document, sha256)

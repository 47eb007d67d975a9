"""The canonical document as readable JSON, with the SHA-256 that verifies it."""

import json

from forum.exports.canonical import CANONICALISATION, LockedVersion


def render_json(version: LockedVersion) -> bytes:
    """The document plus an 'integrity' member, indented with sorted keys so the bytes never vary."""
    published = dict(
        version.document, integrity={"sha256": version.sha256, "canonicalisation": CANONICALISATION}
    )
    return (json.dumps(published, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

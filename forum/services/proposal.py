"""The proposal: the draft plan frozen in Agree, identified by the SHA-256 of its canonical JSON.

Moving to Agree freezes the draft (services/claims.py refuses changes to it as "frozen"), so
while the forum is in Agree its proposal is one fixed document. Stances and the lead worker's
acceptance record the hash of the proposal they were given to; going back and changing anything
gives a new hash, so they no longer count. The lock stores exactly this document inside the
version (its `proposal_keys` part hashes to the same value).
"""

import hashlib

from pycrdt import Doc, Text

from forum.exports.canonical import canonical_json
from forum.extensions import db
from forum.live.store import stored_document
from forum.models import Stage
from forum.models.facilitation import ForumPlan
from forum.services.attribution import contributors, of_texts
from forum.services.entries import active_entries
from forum.services.forums import get_forum
from forum.services.plan import FAMILY_COMMUNICATION_ROOT, HYPOTHESIS_ROOT, actions, goals
from forum.services.votes import priorities, tallies

# The parts of a version's document that are the proposal (docs/export-schema.json).
PROPOSAL_KEYS = (
    "panels",
    "hypothesis",
    "hypothesis_contributors",
    "priorities",
    "goals",
    "actions",
    "review_date",
    "family_communication",
)


def text_of(doc: Doc, root: str) -> str:
    return str(doc.get(root, type=Text)) if root in doc else ""


def proposal_content(forum_id: int, doc: Doc) -> dict:
    """The draft as it stands: the 6Ps with attribution, hypothesis, priorities, goals, actions,
    review date and how the family will be told."""
    forum = get_forum(forum_id)
    plan = db.session.get(ForumPlan, forum_id)
    credits = contributors(forum_id)
    entries = active_entries(forum_id)
    entry_texts = {entry.id: text_of(doc, entry.root_name) for entry in entries}
    votes = tallies(forum_id)
    ranked = priorities(forum_id)
    ranks = {priority.entry_id: priority.rank for priority in ranked}
    review_date = plan.review_date if plan else None
    return {
        "panels": [
            {
                "key": panel["key"],
                "name": panel["name"],
                "entries": [
                    {
                        "id": entry.id,
                        "text": entry_texts[entry.id],
                        "author": entry.author.full_name,
                        "agency": entry.agency.name,
                        "written_input": entry.written_input,
                        "contributors": of_texts(credits, entry.root_name),
                    }
                    for entry in entries
                    if entry.panel == panel["key"]
                ],
            }
            for panel in forum.template["panels"]
        ],
        "hypothesis": text_of(doc, HYPOTHESIS_ROOT),
        "hypothesis_contributors": of_texts(credits, HYPOTHESIS_ROOT),
        "priorities": [
            {
                "rank": priority.rank,
                "entry": priority.entry_id,
                "text": entry_texts.get(priority.entry_id, ""),
                "votes": len(votes.get(priority.entry_id, [])),
            }
            for priority in ranked
        ],
        "goals": [
            {
                "id": goal.id,
                "text": text_of(doc, goal.root_name),
                "contributors": of_texts(credits, goal.root_name),
            }
            for goal in goals(forum_id)
        ],
        "actions": [
            {
                "id": action.id,
                "what": text_of(doc, action.what_root),
                "owner": (
                    {"name": action.owner.full_name, "agency": action.owner_agency.name}
                    if action.owner
                    else None
                ),
                "due": action.due.isoformat() if action.due else None,
                "measure": text_of(doc, action.measure_root),
                "goal": action.goal_id,
                "priority": ranks.get(action.priority_entry_id),
                "contributors": of_texts(credits, action.what_root, action.measure_root),
            }
            for action in actions(forum_id)
        ],
        "review_date": review_date.isoformat() if review_date else None,
        "family_communication": text_of(doc, FAMILY_COMMUNICATION_ROOT),
    }


def proposal_sha256(content: dict) -> str:
    """The proposal's identity: the SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_json({key: content[key] for key in PROPOSAL_KEYS})).hexdigest()


def current_proposal(forum_id: int, doc: Doc | None = None) -> tuple[dict, str] | None:
    """The frozen proposal and its hash while the forum is in Agree; None in any other stage."""
    if get_forum(forum_id).stage != Stage.AGREE:
        return None
    content = proposal_content(forum_id, doc if doc is not None else stored_document(forum_id))
    return content, proposal_sha256(content)


def summary(content: dict, sha256: str) -> dict:
    """What the room shows of a proposal: its identity and what it contains."""
    return {
        "sha256": sha256,
        "short": sha256[:12],
        "entries": sum(len(panel["entries"]) for panel in content["panels"]),
        "hypothesis": bool(content["hypothesis"].strip()),
        "priorities": len(content["priorities"]),
        "goals": len(content["goals"]),
        "actions": len(content["actions"]),
        "review_date": content["review_date"],
        "family_communication": bool(content["family_communication"].strip()),
    }

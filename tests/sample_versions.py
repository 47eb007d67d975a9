"""Realistic locked-version documents for export tests, with hostile text in a few fields."""

from forum.exports.canonical import LockedVersion, sha256_hex
from forum.exports.comparison import compare

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'
MARKDOWN = "**bold** [link](javascript:alert(1))"
RTL_OVERRIDE = "\u202e"

CSWS = "Children's Social Work Service"
SCHOOL = "Oakfield High School"
HEALTH = "Leeds Community Healthcare"
POLICE = "West Yorkshire Police"
HOUSING = "Leeds Housing Options"
VOLUNTARY = "Family Action Leeds"
PRESENTING = "Armley Early Help Hub"


def _entry(entry_id: int, text: str, author: str, agency: str, written_input: bool = False) -> dict:
    return {"id": entry_id, "text": text, "author": author, "agency": agency, "written_input": written_input}


def sample_document() -> dict:
    """A fresh, schema-valid canonical document of version 1 of forum RF-2026-01."""
    return {
        "schema_version": 1,
        "marking": "OFFICIAL-SENSITIVE",
        "forum": {
            "id": 7,
            "reference": "RF-2026-01",
            "title": "Support for J (13) & family: school, home & safety",
            "scheduled_at": "2026-06-16T13:30:00+01:00",
            "presenting_agency": PRESENTING,
        },
        "version": {
            "number": 1,
            "locked_at": "2026-06-16T15:40:12+01:00",
            "timezone": "Europe/London",
            "reopened_from": None,
            "reopen_reason": None,
            "override_reason": None,
        },
        "chair": {"name": "Priya Shah", "agency": CSWS},
        "attendance": [
            {
                "agency": CSWS,
                "people": [
                    {"name": "Priya Shah", "role": "chair"},
                    {"name": "Daniel Okafor", "role": "contributor"},
                ],
            },
            {"agency": SCHOOL, "people": [{"name": "Tom O'Neill", "role": "contributor"}]},
            {"agency": HEALTH, "people": [{"name": "Aisha Rahman", "role": "contributor"}]},
            {"agency": POLICE, "people": [{"name": "Gareth Lewis", "role": "contributor"}]},
            {"agency": HOUSING, "people": [{"name": "Zofia Nowak", "role": "observer"}]},
            {"agency": VOLUNTARY, "people": [{"name": "Chloé Martin", "role": "contributor"}]},
        ],
        "stances": [
            {"agency": CSWS, "stance": "agree", "reason": None, "recorded_by": "Daniel Okafor"},
            {
                "agency": SCHOOL,
                "stance": "agree_with_concerns",
                "reason": "Timetable change needs governors' sign-off before September.",
                "recorded_by": "Tom O'Neill",
            },
            {"agency": HEALTH, "stance": "agree", "reason": None, "recorded_by": "Aisha Rahman"},
            {
                "agency": POLICE,
                "stance": "object",
                "reason": f"Night-time safety is not covered strongly enough {SCRIPT}",
                "recorded_by": "Gareth Lewis",
            },
            {"agency": VOLUNTARY, "stance": "agree", "reason": None, "recorded_by": "Chloé Martin"},
        ],
        "lead_worker": {
            "name": "Daniel Okafor",
            "agency": CSWS,
            "contact": "daniel.okafor@example.gov.uk",
            "accepted_at": "2026-06-16T15:21:40+01:00",
        },
        "panels": [
            {
                "key": "presenting",
                "name": "Presenting",
                "entries": [
                    _entry(1, "J has missed 14 school days since Easter.", "Tom O'Neill", SCHOOL),
                    _entry(2, f"Mum reports arguments at home late at night {SCRIPT}", "Priya Shah", CSWS),
                    _entry(3, "J was found out after 11pm twice in May.", "Gareth Lewis", POLICE),
                ],
            },
            {
                "key": "predisposing",
                "name": "Predisposing",
                "entries": [
                    _entry(4, "Family moved three times in two years.", "Zofia Nowak", HOUSING, True),
                    _entry(5, "Bereavement: grandad died in 2024 🕯️", "Aisha Rahman", HEALTH),
                ],
            },
            {
                "key": "precipitating",
                "name": "Precipitating",
                "entries": [
                    _entry(6, "Change of form tutor after February half-term.", "Tom O'Neill", SCHOOL),
                    _entry(7, f"Older cousin moved in {RTL_OVERRIDE}gnp.exe", "Daniel Okafor", CSWS),
                ],
            },
            {
                "key": "perpetuating",
                "name": "Perpetuating",
                "entries": [
                    _entry(8, "Late nights make mornings a battle.", "Priya Shah", CSWS),
                    _entry(9, "Overcrowded flat: J shares a room with two siblings.", "Zofia Nowak", HOUSING),
                    _entry(
                        10, "Missed lessons mean J feels behind and avoids school.", "Tom O'Neill", SCHOOL
                    ),
                ],
            },
            {
                "key": "protective",
                "name": "Protective",
                "entries": [
                    _entry(
                        11, "J loves football and trusts the youth club coach.", "Chloé Martin", VOLUNTARY
                    ),
                    _entry(12, "Mum is keen to work with services.", "Daniel Okafor", CSWS),
                ],
            },
            {
                "key": "plan",
                "name": "Plan",
                "entries": [
                    _entry(13, "Explore a bigger tenancy.", "Zofia Nowak", HOUSING),
                    _entry(14, "Sleep routine support for the household.", "Aisha Rahman", HEALTH),
                ],
            },
        ],
        "hypothesis": (
            "Moves and a bereavement left J unsettled; late nights in an overcrowded flat make school "
            f"mornings hard, and falling behind keeps J away. {MARKDOWN}"
        ),
        "priorities": [
            {"rank": 1, "entry": 8, "text": "Late nights make mornings a battle.", "votes": 9},
            {
                "rank": 2,
                "entry": 10,
                "text": "Missed lessons mean J feels behind and avoids school.",
                "votes": 7,
            },
            {
                "rank": 3,
                "entry": 9,
                "text": "Overcrowded flat: J shares a room with two siblings.",
                "votes": 4,
            },
        ],
        "goals": [
            {"id": 1, "text": "J wants to get to school on time and feel he belongs there."},
            {"id": 2, "text": "Mum wants evenings at home to be calm 🏠"},
            {"id": 3, "text": f"Everyone in the family has enough space to sleep {MARKDOWN}"},
        ],
        "actions": [
            {
                "id": 1,
                "what": "Agree a morning plan with J and Mum, with a named adult to meet J at the gate.",
                "owner": {"name": "Tom O'Neill", "agency": SCHOOL},
                "due": "2026-07-03",
                "measure": "J is in school by 8:45 on at least 4 days a week.",
                "goal": 1,
                "priority": 2,
            },
            {
                "id": 2,
                "what": FORMULA,
                "owner": {"name": "Aisha Rahman", "agency": HEALTH},
                "due": "2026-07-10",
                "measure": "+ Mum reports calmer evenings in the weekly check-in.",
                "goal": 2,
                "priority": 1,
            },
            {
                "id": 3,
                "what": "Review the housing application and priority band.",
                "owner": {"name": "Zofia Nowak", "agency": HOUSING},
                "due": "2026-07-31",
                "measure": "@ A decision on the banding is shared with the family.",
                "goal": 3,
                "priority": 3,
            },
            {
                "id": 4,
                "what": "Offer J a place at the Tuesday and Thursday youth football sessions.",
                "owner": {"name": "Chloé Martin", "agency": VOLUNTARY},
                "due": "2026-06-30",
                "measure": "-J attends at least one session a week.",
                "goal": 1,
                "priority": None,
            },
            {
                "id": 5,
                "what": "Visit weekly and co-ordinate the plan as lead worker.",
                "owner": {"name": "Daniel Okafor", "agency": CSWS},
                "due": "2026-09-15",
                "measure": "\tWeekly visit notes are on the family's record.",
                "goal": None,
                "priority": None,
            },
        ],
        "review_date": "2026-09-15",
        "family_communication": (
            "Daniel will visit Mum and J on 18 June to talk the plan through and leave a copy "
            "in plain language; J chose to hear it at home 👍"
        ),
        "principles": [
            {
                "key": "family_led",
                "question": "Were the family's views heard and used?",
                "answer": "yes",
                "note": "Goals use J's and Mum's own words.",
            },
            {
                "key": "strength_focused",
                "question": "Does the plan build on the family's strengths?",
                "answer": "partly",
                "note": "Football and Mum's engagement are used; more could be done.",
            },
        ],
    }


def sample_version(document: dict | None = None) -> LockedVersion:
    """The sample (or a given document) as a LockedVersion with its correct hash."""
    document = sample_document() if document is None else document
    return LockedVersion(document, sha256_hex(document))


def reopened_document() -> dict:
    """Version 2 of the same forum, reopened at review with one action changed."""
    document = sample_document()
    document["version"].update(
        number=2,
        locked_at="2026-09-15T11:05:00+01:00",
        reopened_from=1,
        reopen_reason="Review: housing decision received.",
    )
    document["actions"][2]["what"] = "Support the move to the offered three-bedroom tenancy."
    document["review_date"] = "2026-12-08"
    document["principles"] = []  # answered afresh at each review
    document["panels"][4]["entries"].append(
        _entry(15, "J was picked for the school football team.", "Tom O'Neill", SCHOOL)
    )
    document["goals"].append({"id": 4, "text": "J keeps his place in the team."})
    document["hypothesis"] += " Since the move, J sleeps better."
    before = sample_document()
    statuses = ["done", "on_track", "stuck", "done", "not_started"]
    document["review"] = {
        "from_version": 1,
        "actions": [
            {
                "id": action["id"],
                "what": action["what"],
                "owner": action["owner"],
                "due": action["due"],
                "status": status,
                "note": "" if status == "not_started" else f"Progress on action {action['id']} {SCRIPT}",
                "recorded_at": None if status == "not_started" else "2026-09-01T09:15:00+01:00",
            }
            for action, status in zip(before["actions"], statuses, strict=True)
        ],
        "goals": [
            {
                "id": 1,
                "text": before["goals"][0]["text"],
                "answer": "achieved",
                "note": "In by 8:45 most days.",
            },
            {"id": 2, "text": before["goals"][1]["text"], "answer": "partly", "note": MARKDOWN},
            {"id": 3, "text": before["goals"][2]["text"], "answer": None, "note": ""},
        ],
        "changes": [change.as_dict() for change in compare(before, document)],
    }
    return document


_PROSE = (
    "J's paediatrician and the school nurse agreed that mornings go better after an unstructured evening "
    "is replaced by a short routine, with Mum's agreement and a named adult at the gate; the family "
    "asked for letters in plain language and for meetings after 3:30 so Mum can attend"
)
_WORDS = _PROSE.split()


def _sentence(seed: int, words: int) -> str:
    """A deterministic sentence of the given length, so rows have many different heights."""
    return " ".join(_WORDS[(seed * 7 + i) % len(_WORDS)] for i in range(words)).capitalize() + "."


def long_document() -> dict:
    """A plan long enough that rows of every table meet page ends, with one entry longer than a page."""
    document = sample_document()
    people = [(p["name"], g["agency"]) for g in document["attendance"] for p in g["people"]]
    next_id = 100
    for panel_index, panel in enumerate(document["panels"]):
        for i in range(9):
            name, agency = people[(panel_index + i) % len(people)]
            panel["entries"].append(_entry(next_id, _sentence(next_id, 12 + (i * 17) % 70), name, agency))
            next_id += 1
    document["panels"][3]["entries"].append(
        _entry(next_id, " ".join(_sentence(n, 60) for n in range(40)), "Priya Shah", CSWS)
    )
    for i in range(6, 30):
        name, agency = people[i % len(people)]
        document["actions"].append(
            {
                "id": i,
                "what": _sentence(i, 10 + (i * 13) % 45),
                "owner": {"name": name, "agency": agency},
                "due": f"2026-{7 + i % 5:02d}-{1 + i % 27:02d}",
                "measure": _sentence(i + 3, 8 + (i * 11) % 30),
                "goal": 1 + i % 3,
                "priority": None,
            }
        )
    document["principles"] += [
        {
            "key": f"check_{i}",
            "question": _sentence(i, 9),
            "answer": "partly",
            "note": _sentence(i, 20 + 9 * i),
        }
        for i in range(12)
    ]
    return document

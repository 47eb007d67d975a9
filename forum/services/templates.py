"""The formulation template: the panels of the 6Ps, their names, order and help text."""

import json
from pathlib import Path

from forum.services import ServiceError

DEFAULT_TEMPLATE = {
    "name": "Rethink Formulation (6Ps)",
    "panels": [
        {
            "key": "presenting",
            "name": "Presenting",
            "help": "What is happening now that worries the family and the people around them?",
        },
        {
            "key": "predisposing",
            "name": "Predisposing",
            "help": "What in the past or background makes these difficulties more likely?",
        },
        {
            "key": "precipitating",
            "name": "Precipitating",
            "help": "What triggered the difficulties, or made them happen now?",
        },
        {"key": "perpetuating", "name": "Perpetuating", "help": "What keeps the difficulties going?"},
        {
            "key": "protective",
            "name": "Protective",
            "help": "What strengths, relationships and resources help the child and family?",
        },
        {
            "key": "plan",
            "name": "Plan",
            "help": "Ideas for what could help; they become the starting points of the plan.",
        },
    ],
}


def validate_template(template: object) -> dict:
    """Check a template's shape; return it or raise ServiceError."""
    if not isinstance(template, dict) or not isinstance(template.get("panels"), list):
        raise ServiceError("A formulation template needs a list of panels.")
    panels = template["panels"]
    if len(panels) != 6:
        raise ServiceError("A formulation template needs exactly six panels.")
    keys = set()
    for panel in panels:
        if not isinstance(panel, dict) or not all(
            isinstance(panel.get(field), str) and panel.get(field).strip()
            for field in ("key", "name", "help")
        ):
            raise ServiceError("Each panel needs a key, a name and help text.")
        if not panel["key"].isidentifier() or len(panel["key"]) > 32:
            raise ServiceError(f"Panel key {panel['key']!r} must be a short identifier.")
        keys.add(panel["key"])
    if len(keys) != 6:
        raise ServiceError("Panel keys must be different from each other.")
    if "perpetuating" not in keys or panels[-1]["key"] != "plan":
        raise ServiceError("The template needs a 'perpetuating' panel and ends with the 'plan' panel.")
    return {"name": str(template.get("name", "Formulation")), "panels": panels}


def load_template(path: str) -> dict:
    """The deployment's template from a JSON file, or the default when no path is set."""
    if not path:
        return DEFAULT_TEMPLATE
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ServiceError(f"Cannot read the formulation template {path}: {error}") from error
    return validate_template(raw)

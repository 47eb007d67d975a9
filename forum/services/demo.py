"""Demo data for a developer's first `make run` (never in production)."""

from sqlalchemy import select

from forum.extensions import db
from forum.models import Forum
from forum.services.accounts import create_agency, create_user, find_agency, find_user
from forum.services.forums import add_participant, create_forum

DEMO_PASSWORD = "demo-forum-password"  # noqa: S105 - development demo only, printed on start
DEMO_PEOPLE = [
    ("chair@example.org", "Sam Chair", "Children's Social Care", "chair"),
    ("school@example.org", "Alex Teacher", "Northfield Primary School", "contributor"),
    ("family.support@example.org", "Jo Worker", "Children's Social Care", "contributor"),
]


def seed(template: dict) -> list[str]:
    """Create two agencies, a chair, two contributors and one forum; return sign-in details."""
    for agency in ("Children's Social Care", "Northfield Primary School"):
        if find_agency(agency) is None:
            create_agency(agency)
    for email, name, agency, _role in DEMO_PEOPLE:
        if find_user(email) is None:
            create_user(email, name, agency, DEMO_PASSWORD)
    forum = db.session.scalar(select(Forum).where(Forum.reference == "DEMO-001"))
    if forum is None:
        forum = create_forum("DEMO-001", "Demo family forum", DEMO_PEOPLE[0][0], template)
        for email, _name, _agency, role in DEMO_PEOPLE[1:]:
            add_participant(forum.id, email, role)
    lines = ["Demo sign-in details (development only):"]
    lines += [f"  {email}  password: {DEMO_PASSWORD}  ({role})" for email, _n, _a, role in DEMO_PEOPLE]
    lines.append(f"  Demo forum: {forum.path}")
    return lines

"""Demo data for a developer's first `make run` (never in production)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from forum.extensions import db
from forum.models import Forum
from forum.services.accounts import create_agency, create_user, find_agency, find_user
from forum.services.forums import add_participant
from forum.services.scheduling import schedule_forum

DEMO_PASSWORD = "demo-forum-password"  # noqa: S105 - development demo only, printed on start
DEMO_REFERENCE = "DEMO-001"
DEMO_AGENCIES = [
    "Children's Social Care",
    "Northfield Primary School",
    "Community Health (0-19 Service)",
    "West Yorkshire Police",
    "Housing Services",
    "Youth Justice Service",
    "Family Action (voluntary sector)",
    "Child and Adolescent Mental Health Service",
]
ADMINISTRATOR = ("admin@example.org", "Ada Administrator", "Children's Social Care")
# email, name, agency, role in the demo forum (None: has an account, not yet in the forum)
DEMO_PEOPLE = [
    ("chair@example.org", "Sam Chair", "Children's Social Care", "chair"),
    ("school@example.org", "Alex Teacher", "Northfield Primary School", "contributor"),
    ("health@example.org", "Priya Health Visitor", "Community Health (0-19 Service)", "contributor"),
    ("police@example.org", "Tom Constable", "West Yorkshire Police", "contributor"),
    ("housing@example.org", "Mo Housing Officer", "Housing Services", "contributor"),
    ("family.support@example.org", "Jo Family Worker", "Family Action (voluntary sector)", "contributor"),
    ("youth.justice@example.org", "Kim Youth Worker", "Youth Justice Service", "observer"),
    ("camhs@example.org", "Dr Lee Clinician", "Child and Adolescent Mental Health Service", None),
]
LONDON = ZoneInfo("Europe/London")


def _next_working_morning() -> datetime:
    """10:00 UK time on the next weekday, in UTC."""
    day = datetime.now(LONDON).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=LONDON).astimezone(UTC)


def seed(template: dict, base_url: str) -> list[str]:
    """Create the agencies, an administrator, the people of a realistic forum and the forum itself;
    return the sign-in details with full addresses. Does nothing that exists already."""
    for agency in DEMO_AGENCIES:
        if find_agency(agency) is None:
            create_agency(agency)
    email, name, agency = ADMINISTRATOR
    if find_user(email) is None:
        create_user(email, name, agency, DEMO_PASSWORD, is_admin=True)
    for email, name, agency, _role in DEMO_PEOPLE:
        if find_user(email) is None:
            create_user(email, name, agency, DEMO_PASSWORD)
    forum = db.session.scalar(select(Forum).where(Forum.reference == DEMO_REFERENCE))
    if forum is None:
        forum = schedule_forum(
            DEMO_REFERENCE,
            "Demo family forum: Riley (age 9), school attendance and home",
            _next_working_morning(),
            find_agency("Northfield Primary School").id,
            find_user(DEMO_PEOPLE[0][0]),
            template,
        )
        for email, _name, _agency, role in DEMO_PEOPLE[1:]:
            if role is not None:
                add_participant(forum.id, email, role)
    base = base_url.rstrip("/")
    lines = [
        f"Open {base}/login",
        f"Demo sign-in details (development only; every password is {DEMO_PASSWORD}):",
        f"  {ADMINISTRATOR[0]:<28} administrator",
    ]
    lines += [
        f"  {email:<28} {role or 'has an account, not in the forum yet'} ({agency})"
        for email, _name, agency, role in DEMO_PEOPLE
    ]
    lines.append(f"Demo forum {DEMO_REFERENCE}: {base}{forum.path}")
    return lines

"""A realistic forum for the board tests: six agencies, 30 entries of about 80 characters, 5 actions.

Everything is made the way people make it, by socket events from real Socket.IO clients
(tests/room_driver.py): entries and texts, votes, goals, actions, the lead worker and stances.
"""

from datetime import date, timedelta

from tests.room_driver import RoomDriver

CHAIR = "sam.chair@example.org"
OBSERVER = "kim.observer@example.org"
# email, name, agency
CONTRIBUTORS = [
    ("alex.teacher@example.org", "Alex Teacher", "Northfield Primary School"),
    ("priya.health@example.org", "Priya Health Visitor", "Community Health (0-19 Service)"),
    ("tom.constable@example.org", "Tom Constable", "West Yorkshire Police"),
    ("mo.housing@example.org", "Mo Housing Officer", "Housing Services"),
    ("jo.family@example.org", "Jo Family Worker", "Family Action (voluntary sector)"),
]
PEOPLE = [(CHAIR, "Sam Chair", "Children's Social Care"), *CONTRIBUTORS]
OBSERVER_PERSON = (OBSERVER, "Kim Youth Worker", "Youth Justice Service")

ENTRIES = {
    "presenting": [
        "J has missed 14 school days this term, mostly Mondays, and is often late on Fridays.",
        "Arguments at home most evenings; neighbours have called the police twice since May.",
        "J says he feels sick before school and stays in his room for most of the weekend.",
        "Mum reports J is not sleeping before 1am and is hard to wake for the school bus.",
        "Teachers see J withdrawn in class and eating lunch alone since the autumn half term.",
    ],
    "predisposing": [
        "Dad left when J was 8; there has been no contact since and J rarely talks about it.",
        "J moved school twice in Year 4 after the family was evicted from their last tenancy.",
        "Mum has a history of depression and was admitted to hospital briefly two years ago.",
        "J was assessed for dyslexia in Year 3 but the support plan lapsed after the move.",
        "An older sibling was excluded from secondary school and is now not in education.",
    ],
    "precipitating": [
        "Rent arrears letters started in September and the family fear losing the flat again.",
        "J's grandmother, who did the school run, had a fall in October and cannot drive.",
        "A friendship group fell apart after an online argument that spread around Year 6.",
        "Mum's hours at work changed to early shifts, so J gets himself up and out alone.",
        "A police visit after a neighbour's complaint frightened J's younger sister badly.",
    ],
    "perpetuating": [
        "Late nights on the phone make mornings hard and J misses the start of lessons.",
        "Missed lessons mean J falls behind, feels embarrassed, and avoids school even more.",
        "Money worries keep Mum from attending meetings at school because of her shifts.",
        "Nobody checks in with J on arrival, so a bad morning turns into a day at home.",
        "Noise complaints lead to more arguments, and J hides in his room to avoid them.",
    ],
    "protective": [
        "Grandmother collects J on Fridays and J trusts her; she wants to help more often.",
        "J loves football and trains with the Saturday club; the coach notices his mood.",
        "Mum is keen to work with school and answered every message from the office quickly.",
        "J has a good relationship with the learning mentor from his last primary school.",
        "The family is registered with a GP who knows them well and has offered a review.",
    ],
    "plan": [
        "Meet J at the school gate each morning with a named adult for the first two weeks.",
        "Housing to review the arrears and agree a repayment plan the family can manage.",
        "Health visitor to talk with Mum about sleep routines and phone use at bedtime.",
        "Football coach and school to share a weekly note on how J is doing and feeling.",
        "Family Action to support Mum to attend a school meeting around her new shift hours.",
    ],
}
GOALS = [
    "J gets to school on time four days a week and feels someone is glad to see him.",
    "The family feel safe in their home and know how the arrears will be paid off.",
]
ACTIONS = [
    ("Meet J at the gate each morning for two weeks.", "J is in class by 8:45 on at least 8 of 10 days."),
    ("Agree a repayment plan for the rent arrears.", "A signed plan and no new arrears letters."),
    ("Talk through a bedtime routine with Mum and J.", "J reports sleeping before 11pm most nights."),
    ("Share a weekly note between school and the coach.", "Notes sent every Friday for six weeks."),
    ("Arrange a school meeting around Mum's shift hours.", "Mum attends a meeting before half term."),
]
HYPOTHESIS = (
    "J's school avoidance is kept going by late nights and mornings without an adult, by falling "
    "behind and feeling embarrassed, and by worry about money and noise at home. J does best when "
    "a trusted adult notices him: his grandmother, his coach and his old mentor."
)


def make_people(people) -> None:
    """The chair, five contributors and an observer, each from their own agency."""
    for email, name, agency in [*PEOPLE, OBSERVER_PERSON]:
        people.user(email, agency=agency, name=name)


def roles() -> dict:
    return {**{email: "contributor" for email, _n, _a in CONTRIBUTORS}, OBSERVER: "observer"}


def gather(room: RoomDriver) -> dict[str, list[int]]:
    """30 entries, six panels, written by the six agencies in turn; entry ids by panel."""
    writers = [email for email, _n, _a in PEOPLE]
    for email in writers:
        if email not in room.clients:
            room.join(email)
    ids: dict[str, list[int]] = {}
    turn = 0
    for panel, texts in ENTRIES.items():
        for text in texts:
            ids.setdefault(panel, []).append(room.add_entry(writers[turn % len(writers)], panel, text))
            turn += 1
    return ids


def user_id(room: RoomDriver, name: str) -> int:
    client = next(iter(room.clients.values()))
    return next(p["user"] for p in client.presence if p["name"] == name)


def hypothesis(room: RoomDriver) -> None:
    room.stage(CHAIR, "hypothesis")
    room.write(CONTRIBUTORS[0][0], "hypothesis", HYPOTHESIS)


def prioritise(room: RoomDriver, ids: dict) -> None:
    room.stage(CHAIR, "prioritise")
    perpetuating = ids["perpetuating"]
    for index, (email, _n, _a) in enumerate(PEOPLE):
        room.call(email, "vote:add", entry=perpetuating[index % 3])
        room.call(email, "vote:add", entry=perpetuating[(index + 1) % 5])
    room.call(CHAIR, "priorities:confirm", entries=perpetuating[:3])


def plan(room: RoomDriver, ids: dict) -> dict:
    """Two goals and five actions with owners and dates; the review date and the family's note."""
    room.stage(CHAIR, "plan")
    goals = []
    for text in GOALS:
        goal = room.call(CHAIR, "goal:add")
        room.write(CHAIR, goal["root"] if "root" in goal else f"goal:{goal['goal']}", text)
        goals.append(goal["goal"])
    actions = []
    for index, (what, measure) in enumerate(ACTIONS):
        email, name, _agency = PEOPLE[1 + index % len(CONTRIBUTORS)]
        action = room.call(email, "action:add", goal=goals[index % 2])
        room.write(email, action["what_root"], what)
        room.write(email, action["measure_root"], measure)
        due = (date.today() + timedelta(days=14 + 7 * index)).isoformat()
        room.call(
            email,
            "action:set",
            action=action["action"],
            owner=user_id(room, name),
            due=due,
            priority=ids["perpetuating"][index % 3],
        )
        actions.append(action["action"])
    room.call(CHAIR, "review:set", date=(date.today() + timedelta(days=90)).isoformat())
    room.write(CHAIR, "family_communication", "Jo visits Mum on Friday to talk the plan through with J.")
    return {"goals": goals, "actions": actions}


def agree(room: RoomDriver) -> None:
    room.stage(CHAIR, "agree")
    room.call(CHAIR, "lead:nominate", user=user_id(room, "Priya Health Visitor"))
    for email, _n, _a in PEOPLE[:4]:
        room.call(email, "stance:set", stance="agree")
    room.call(
        PEOPLE[4][0],
        "stance:set",
        stance="agree_with_concerns",
        reason="Housing needs the arrears figure first.",
    )

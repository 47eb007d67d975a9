"""One frame per recipient per batch: a batch's accepted updates of a forum are merged and relayed
once, naming each author (issue 19); every client converges on what the database holds."""

import asyncio

import pytest
from pycrdt import Doc, Text

from tests.live_clients import FacilitatedClient, eventually, unb64
from tests.lock_factories import CHAIR, HEALTH, OBSERVER, SCHOOL, forum_with_people
from tests.stored import document_texts
from tests.test_lock_live import run

pytestmark = pytest.mark.scale

UPDATES_EACH = 12


class Watcher(FacilitatedClient):
    """A client that keeps every relayed update message whole."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages: list[dict] = []
        self.sio.on("update", self._keep, namespace="/forum")

    async def _keep(self, payload: dict) -> None:
        self.messages.append(payload)
        self.doc.apply_update(unb64(payload["update"]))


async def joined(live_server, email: str, forum_id: int) -> Watcher:
    client = Watcher(live_server.url, live_server.session(email), origin=live_server.url, forum_id=forum_id)
    await client.connect()
    assert (await client.join())["ok"]
    return client


def burst(client: Watcher, root: str, count: int) -> list[bytes]:
    """count one-character updates typed into a root, made before any is sent."""
    text = client.doc.get(root, type=Text)
    updates = []
    for n in range(count):
        state = client.doc.get_state()
        text.insert(len(text), "abcdefghijkl"[n % 12])
        updates.append(client.doc.get_update(state))
    return updates


def test_a_batch_is_relayed_once_merged_and_every_client_converges(live_server, people):
    setup = forum_with_people(people, "RF-MERGED")
    roots = {
        CHAIR: "hypothesis",
        HEALTH: f"entry:{setup.perpetuating[0]}",
        SCHOOL: f"entry:{setup.plan_entries[0]}",
    }

    async def scenario():
        writers = {email: await joined(live_server, email, setup.forum_id) for email in roots}
        observer = await joined(live_server, OBSERVER, setup.forum_id)
        bursts = {email: burst(client, roots[email], UPDATES_EACH) for email, client in writers.items()}
        # Everything at once, as three people typing on a slow network would after a stall.
        replies = await asyncio.gather(
            *(writers[email].send(update) for email, updates in bursts.items() for update in updates)
        )
        assert all(reply and reply["ok"] for reply in replies), replies
        everyone = [*writers.values(), observer]
        expected = document_texts(setup.forum_id)
        assert await eventually(lambda: all(texts_of(c.doc) == expected for c in everyone), timeout=20)
        for client in everyone:
            await client.disconnect()
        return observer.messages, expected

    messages, expected = run(scenario)
    sent = UPDATES_EACH * len(roots)
    assert expected["hypothesis"].endswith("abcdefghijkl")
    assert len(messages) < sent, "the updates were relayed one by one, not merged per batch"
    several = [m for m in messages if len(m["authors"]) > 1]
    assert several, "no batch held the updates of several people"
    for message in several:
        assert "by" not in message  # one author per message only when there is one
        assert {author["by"] for author in message["authors"]} <= {
            setup.chair.id,
            setup.nurse.id,
            setup.teacher.id,
        }
    assert sum(len(author["roots"]) for m in messages for author in m["authors"]) >= len(roots)


def texts_of(doc: Doc) -> dict[str, str]:
    return {name: str(doc.get(name, type=Text)) for name in sorted(doc.keys())}

"""The benchmark's clients: flow control merges keystrokes under a slow acknowledgement and loses none.

Real servers in their own processes: the bare relay (bench/relay.py) and the durable peer
(bench/peer/server.mjs, Hocuspocus), each started with a delay before every acknowledgement. Each
client types into its own entry of one room faster than the server acknowledges; every client's
document must end with exactly what every typist typed, in fewer messages than keystrokes.
"""

import asyncio
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from pycrdt import Doc, Text, merge_updates

from bench.clients import HocuspocusClient, Member, Recorder, SocketIOClient
from bench.ydecode import end_clocks

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parent.parent
ACK_DELAY = 0.2  # seconds the server holds each acknowledgement back
TYPISTS, KEYSTROKES, INTERVAL = 3, 30, 0.02  # 50 keystrokes/s each, ten per slow acknowledgement


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["bare", "peer"])
def slow_server(request, tmp_path):
    """(kind, url) of a server that acknowledges each update ACK_DELAY seconds late."""
    kind = request.param
    port = free_port()
    if kind == "bare":
        command = [sys.executable, "-m", "bench.relay", str(port), str(ACK_DELAY)]
        probe = f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"
    else:
        node = shutil.which("node")
        if node is None or not (ROOT / "node_modules" / "@hocuspocus" / "server").exists():
            pytest.fail("the peer needs node and `npm ci` (the Makefile's assets target runs it)")
        log = tmp_path / "peer.log"
        command = [node, "bench/peer/server.mjs", str(port), str(log), str(int(ACK_DELAY * 1000))]
        probe = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"{kind} server exited"
            try:
                requests.get(probe, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, f"{kind} server did not start"
                time.sleep(0.05)
        yield kind, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


async def type_and_settle(kind: str, url: str) -> tuple[list, Recorder]:
    recorder = Recorder()
    client_class = HocuspocusClient if kind == "peer" else SocketIOClient
    clients = [client_class(url, Member("", 1, f"entry-{n}"), recorder) for n in range(TYPISTS)]
    for client in clients:
        assert await client.start(), "join refused"

    async def typist(client):
        for _ in range(KEYSTROKES):
            await client.type_one()
            await asyncio.sleep(INTERVAL)
        assert await client.settled(10), "updates still in flight or pending"

    try:
        await asyncio.gather(*(typist(client) for client in clients))
        wanted = {client.member.root: str(client.text) for client in clients}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
            str(reader.doc.get(root, type=Text)) == text
            for reader in clients
            for root, text in wanted.items()
        ):
            await asyncio.sleep(0.05)
        texts = [{root: str(reader.doc.get(root, type=Text)) for root in wanted} for reader in clients]
        return [wanted, texts], recorder
    finally:
        await asyncio.gather(*(client.stop() for client in clients), return_exceptions=True)


def test_flow_control_merges_under_a_slow_acknowledgement_and_loses_nothing(slow_server):
    kind, url = slow_server
    (wanted, texts), recorder = asyncio.run(asyncio.wait_for(type_and_settle(kind, url), 60))
    result = recorder.result

    # Everything typed, by every typist, is in every client's document, exactly.
    assert all(len(text) == KEYSTROKES for text in wanted.values())
    assert texts == [wanted] * TYPISTS
    # Each keystroke was recorded at its clock, 0 .. KEYSTROKES - 1, for every typist.
    assert len(result.typed) == TYPISTS
    assert all([clock for clock, _ in typed] == list(range(KEYSTROKES)) for typed in result.typed.values())
    # One update in flight per client: the ~0.6 s of typing against 0.2 s acknowledgements went
    # out in a handful of merged updates per typist, every one acknowledged, none refused.
    assert TYPISTS <= result.messages <= TYPISTS * KEYSTROKES // 3
    assert result.acked == result.messages and result.refused == 0
    # What the other clients applied delivered every clock of every typist.
    delivered: dict[tuple[int, int], int] = {}
    for receiver, update, _when in result.applied:
        for typist, end in end_clocks(update).items():
            if typist != receiver:
                delivered[receiver, typist] = max(delivered.get((receiver, typist), 0), end)
    assert len(delivered) == TYPISTS * (TYPISTS - 1)
    assert set(delivered.values()) == {KEYSTROKES}


def test_end_clocks_find_the_keystrokes_of_single_and_merged_updates():
    doc = Doc()
    text = doc.get("hypothesis", type=Text)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for _ in range(40):
        text.insert(len(text), random.choice("abcé€ "))  # non-ASCII: clocks count UTF-16 units
    expected = [len(str(text)[: n + 1].encode("utf-16-le")) // 2 for n in range(40)]
    me = doc.client_id
    assert [end_clocks(update) for update in updates] == [{me: end} for end in expected]
    assert end_clocks(merge_updates(*updates[5:17])) == {me: expected[16]}

    other = Doc()
    other.apply_update(doc.get_update())
    other_text = other.get("hypothesis", type=Text)
    edits: list[bytes] = []
    other.observe(lambda event: edits.append(event.update))
    other_text.insert(3, "xyz")
    del other_text[0]  # a deletion carries no new structs
    assert end_clocks(edits[0]) == {other.client_id: 3}
    assert end_clocks(edits[1]) == {}
    assert end_clocks(merge_updates(edits[0], updates[2], updates[39])) == {
        other.client_id: 3,
        me: expected[39],
    }

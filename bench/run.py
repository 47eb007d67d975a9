"""`make bench`: keystroke latency, throughput, server CPU, memory and load time of the live room,
beside a bare relay and a durable peer, all in the same run.

- forum: the real server (`python wsgi.py`, eventlet, the embedded default: one process and a
  SQLite file with synchronous=FULL; every update checked, applied, persisted and audited before
  it is acknowledged or relayed);
- bare: bench/relay.py (python-socketio on eventlet; join and relay only, nothing stored);
- peer: Hocuspocus 3 with a write-ahead hook (bench/peer/server.mjs; every update written and
  fdatasync'd, group-committed, before it is applied, relayed and acknowledged).
Clients run in separate processes (bench/clients.py): the same pycrdt typists with flow control
(one update in flight, keystrokes typed meanwhile merged), speaking Socket.IO to forum and bare and
the Hocuspocus protocol to the peer. Server CPU is user + system time from /proc/<pid>/stat over
each measured window. Results go to bench/results.md; the last line printed is key=value pairs.
"""

import asyncio
import bisect
import contextlib
import multiprocessing
import os
import platform
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from pycrdt import Doc, Text
from sqlalchemy import insert

from bench.clients import (
    HocuspocusClient,
    Member,
    PhaseResult,
    Recorder,
    SocketIOClient,
    client_process,
    document_name,
)
from bench.ydecode import end_clocks

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "bench" / "output"
RESULTS = ROOT / "bench" / "results.md"
PYTHON = sys.executable
NODE = shutil.which("node") or "node"

KINDS = ("forum", "bare", "peer")
LATENCY_RATE = 20.0  # keystrokes/s across the whole scenario while latency is measured
LATENCY_SECONDS, STEP_SECONDS, DRAIN_SECONDS = 8.0, 2.0, 0.6  # 160 keystrokes: a p99 that is not one outlier
MAX_STEPS, DOWN_STEPS = 6, 2
CPU_STEP = 2  # CPU per update is compared at the third step of the ladder (4 x the start rate)
P99_LIMIT_MS = 100.0
LOAD_UPDATES = 50_000
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Scenario:
    name: str
    rooms: list[tuple[int, str, list[str]]]  # forum id, entry root, the members' cookies
    start_rate: float  # first step of the throughput search, updates/s in all

    @property
    def clients(self) -> int:
        return sum(len(cookies) for _forum, _root, cookies in self.rooms)

    @property
    def room_size(self) -> int:
        return len(self.rooms[0][2])


# Seeding (in this process, straight into the SQLite file the server will use)


def bench_app(database: Path, secret: str):
    from config import TestingConfig
    from forum import create_app

    config = TestingConfig()
    config.SECRET_KEY = secret
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
    config.SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 30}}
    config.SESSION_COOKIE_NAME = "session"
    return create_app(config)


def seed(app) -> tuple[list[Scenario], int, list[int]]:
    """Users, forums and entries for every scenario; a session cookie per user. Returns the scenarios,
    the load forum and its two participants."""
    from flask_migrate import upgrade

    from forum.extensions import db
    from forum.models import User
    from forum.services.accounts import create_agency
    from forum.services.entries import add_entry
    from forum.services.forums import add_participant
    from forum.services.scheduling import create_forum
    from forum.services.templates import DEFAULT_TEMPLATE

    upgrade(directory=str(ROOT / "migrations"))
    agency = create_agency("Health")
    users = [
        User(
            email=f"person{n}@example.org",
            full_name=f"Person {n}",
            agency_id=agency.id,
            password_hash="!",  # noqa: S106 - no password: the benchmark signs sessions directly
            session_token=secrets.token_hex(16),
        )
        for n in range(200)
    ]
    db.session.add_all(users)
    db.session.commit()
    cookies = [session_cookie(app, user) for user in users]

    def room(reference: str, members: range) -> tuple[int, str, list[str]]:
        forum = create_forum(reference, "Benchmark forum", users[members[0]].email, DEFAULT_TEMPLATE)
        for n in members[1:]:
            add_participant(forum.id, users[n].email, "contributor")
        entry = add_entry(forum.id, users[members[0]], "presenting")
        return forum.id, entry.root_name, [cookies[n] for n in members]

    scenarios = [
        Scenario("1x10", [room("B-10", range(10))], 80),
        Scenario("1x50", [room("B-50", range(50))], 40),
        Scenario("1x200", [room("B-200", range(200))], 10),
        Scenario("20x10", [room(f"B-20-{n}", range(10 * n, 10 * n + 10)) for n in range(20)], 80),
    ]
    load_forum, _root, _cookies = room("B-LOAD", range(2))
    db.session.commit()  # services only flush: the seeding is one unit of work
    return scenarios, load_forum, [users[0].id, users[1].id]


def session_cookie(app, user) -> str:
    """A signed session cookie for the user, as the sign-in form would set."""
    client = app.test_client()
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session.update(_user_id=user.get_id(), _fresh=True, signed_in_at=now, last_seen=now)
        session.permanent = True
    return f"session={client.get_cookie('session').value}"


def write_log(forum_id: int, count: int, authors: list[int]) -> None:
    """Store count real keystroke updates of one text in the forum's log, directly, no snapshot, with
    the audit event the server writes for each (attribution is read from them on every join), typed
    in turn by the authors; and the same updates in a write-ahead log for the peer."""
    from forum.extensions import db
    from forum.models import DocumentUpdate
    from forum.services.audit import record_many

    doc = Doc()
    text = doc.get("hypothesis", type=Text)
    rows = []
    # Each keystroke's own update (a transaction's, as a browser sends), not a diff from a state vector.
    watch = doc.observe(
        lambda event: rows.append(
            {"forum_id": forum_id, "user_id": authors[len(rows) % len(authors)], "data": event.update}
        )
    )
    for n in range(count):
        if n % 10 == 9:
            del text[len(text) - 1]  # some corrections among the typing
        else:
            text.insert(len(text), "abcdefghi"[n % 9])
    doc.unobserve(watch)
    ids = db.session.scalars(
        insert(DocumentUpdate).returning(DocumentUpdate.id, sort_by_parameter_order=True), rows
    ).all()
    record_many(
        [
            {
                "action": "document.update",
                "actor_id": row["user_id"],
                "forum_id": forum_id,
                "detail": {"update_id": update_id, "roots": ["hypothesis"]},
            }
            for row, update_id in zip(rows, ids, strict=True)
        ]
    )
    db.session.commit()
    # The same updates in the peer's write-ahead log format (bench/peer/server.mjs).
    name = document_name(Member("", forum_id, "hypothesis")).encode()
    with open(OUTPUT / "peer-load.log", "wb") as log:
        for row in rows:
            update = row["data"]
            log.write(struct.pack("<IH", 2 + len(name) + len(update), len(name)) + name + update)


# Servers and client processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The forum server (`python wsgi.py`), the bare relay or the peer, in its own process."""

    def __init__(self, kind: str, database: Path, secret: str, peer_log: Path | None = None):
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FORUM_", "REDIS_"))}
        env.update(
            FORUM_ENV="development",
            FORUM_INSTANCE_DIR=str(OUTPUT / "instance"),
            DATABASE_URL=f"sqlite:///{database}",
            SECRET_KEY=secret,
            HOST="127.0.0.1",
            PORT=str(self.port),
            ALLOWED_ORIGINS=self.url,
            # The per-connection event limit guards against abuse; here one client types for many.
            SOCKET_EVENTS_PER_SECOND="100000",
            SOCKET_EVENTS_BURST="100000",
        )
        if kind == "forum":
            command = [PYTHON, "wsgi.py"]
        elif kind == "bare":
            command = [PYTHON, "-m", "bench.relay", str(self.port)]
        else:
            peer_log = peer_log or OUTPUT / f"peer-{self.port}.log"
            command = [NODE, "bench/peer/server.mjs", str(self.port), str(peer_log)]
        log = open(OUTPUT / f"{kind}.log", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        log.close()
        probe = f"{self.url}/socket.io/?EIO=4&transport=polling" if kind != "peer" else self.url
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{kind} server exited; see {OUTPUT / (kind + '.log')}")
            try:
                requests.get(probe, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"{kind} server did not start")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User + system time of the server process, all its threads (node's thread pool included)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Clients:
    """Client processes, each running a share of the scenario's clients."""

    def __init__(self, kind: str, url: str, scenario: Scenario, processes: int):
        members = [
            Member(cookie, forum, root) for forum, root, cookies in scenario.rooms for cookie in cookies
        ]
        shares = [members[n::processes] for n in range(processes)]
        context = multiprocessing.get_context("spawn")
        self.pipes, self.workers = [], []
        for share in shares:
            here, there = context.Pipe()
            worker = context.Process(target=client_process, args=(there, kind, url, share), daemon=True)
            worker.start()
            self.pipes.append(here)
            self.workers.append(worker)
        self.room_of: dict[int, int] = {}  # client id → forum
        for pipe in self.pipes:
            self.room_of.update(self._answer(pipe, "ready", 120))
        self.joined = len(self.room_of)
        self.members: dict[int, list[int]] = {}
        for client, forum in self.room_of.items():
            self.members.setdefault(forum, []).append(client)

    def _answer(self, pipe, kind: str, timeout: float):
        if not pipe.poll(timeout):
            raise RuntimeError(f"client process gave no {kind!r} within {timeout} s")
        answer, value = pipe.recv()
        assert answer == kind, answer
        return value

    def phase(
        self, server: Server, rate_per_client: float, seconds: float
    ) -> tuple[list[PhaseResult], float]:
        """Run a phase; returns what each process saw and the server's CPU seconds over it."""
        start_at = time.monotonic() + 0.3
        for pipe in self.pipes:
            pipe.send(("phase", rate_per_client, start_at, seconds, DRAIN_SECONDS))
        time.sleep(max(0.0, start_at - time.monotonic()))
        cpu_before = server.cpu_seconds()
        results = [self._answer(pipe, "result", seconds + DRAIN_SECONDS + 60) for pipe in self.pipes]
        return results, server.cpu_seconds() - cpu_before

    def stop(self) -> None:
        for pipe in self.pipes:
            pipe.send(("stop",))
        for pipe in self.pipes:
            with contextlib.suppress(RuntimeError):
                self._answer(pipe, "stopped", 30)
        for worker in self.workers:
            worker.join(5)
            if worker.is_alive():
                worker.kill()


# Measuring


@dataclass
class Phase:
    offered: float  # keystrokes/s typed in all
    keystrokes: float  # keystrokes/s typed and delivered to every other client of the room
    updates: float  # acknowledged updates (messages) per second
    p50: float  # keystroke to screen: typed until the last other client of the room applied it
    p99: float
    typed: int
    lost: int  # typed but not delivered to every other client by the end of the drain
    messages: int
    acked: int
    refused: int
    cpu_ms_per_update: float  # server CPU over the phase per acknowledged update
    cpu_ms_per_keystroke: float
    disconnects: list[str] = field(default_factory=list)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("inf")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(
    clients: Clients, results: list[PhaseResult], cpu: float, offered: float, seconds: float
) -> Phase:
    """Keystroke-to-screen latency: from typing a character until the last other client in its room
    has applied an update carrying it (found by the character's clock, bench/ydecode.py)."""
    decoded: dict[bytes, dict[int, int]] = {}
    arrivals: dict[tuple[int, int], list[tuple[float, int]]] = {}  # (receiver, typist) → [(when, end clock)]
    typed: dict[int, list[tuple[int, float]]] = {}
    messages = acked = refused = 0
    disconnects: list[str] = []
    for result in results:
        typed.update(result.typed)
        messages += result.messages
        acked += result.acked
        refused += result.refused
        disconnects += result.disconnects
        for receiver, update, when in result.applied:
            ends = decoded.get(update)
            if ends is None:
                ends = decoded[update] = end_clocks(update)
            for typist, end in ends.items():
                if typist != receiver:
                    arrivals.setdefault((receiver, typist), []).append((when, end))
    # For each (receiver, typist): arrival times and the highest clock delivered by then.
    delivered: dict[tuple[int, int], tuple[list[int], list[float]]] = {}
    for pair, seen in arrivals.items():
        seen.sort()
        clocks, times, top = [], [], 0
        for when, end in seen:
            if end > top:
                top = end
                clocks.append(end)
                times.append(when)
        delivered[pair] = (clocks, times)
    latencies, lost, count = [], 0, 0
    for typist, keystrokes in typed.items():
        others = [
            delivered.get((other, typist), ([], []))
            for other in clients.members[clients.room_of[typist]]
            if other != typist
        ]
        for clock, at in keystrokes:
            count += 1
            last = at
            for clocks, times in others:
                index = bisect.bisect_right(clocks, clock)
                if index == len(clocks):
                    last = None
                    break
                last = max(last, times[index])
            if last is None:
                lost += 1
            else:
                latencies.append((last - at) * 1000)
    return Phase(
        offered=offered,
        keystrokes=len(latencies) / seconds,
        updates=acked / seconds,
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        typed=count,
        lost=lost,
        messages=messages,
        acked=acked,
        refused=refused,
        cpu_ms_per_update=cpu * 1000 / acked if acked else float("inf"),
        cpu_ms_per_keystroke=cpu * 1000 / len(latencies) if latencies else float("inf"),
        disconnects=disconnects,
    )


def passes(phase: Phase) -> bool:
    return phase.p99 < P99_LIMIT_MS and phase.lost <= max(1, phase.typed // 200) and not phase.refused


def describe(phase: Phase) -> str:
    return (
        f"    {phase.offered:7.0f}/s typed: {phase.keystrokes:7.0f}/s delivered in {phase.updates:6.0f} "
        f"updates/s, p99 {phase.p99:7.1f} ms, lost {phase.lost}, refused {phase.refused}, "
        f"CPU {phase.cpu_ms_per_update:.2f} ms/update {phase.cpu_ms_per_keystroke:.2f} ms/keystroke, "
        f"disconnects {len(phase.disconnects)}"
    )


def search(clients: Clients, server: Server, scenario: Scenario, log) -> tuple[Phase | None, bool, Phase]:
    """The highest keystrokes/s delivered with p99 < 100 ms (doubling steps, then one step between;
    halving steps down if the start rate already fails), whether the top of the ladder passed (the
    figure is then a lower bound), and the phase at the CPU reference rate (4 x the start rate, the
    same offered keystrokes/s for every server, run on its own if the ladder stopped below it)."""
    best, failed_at, reference = None, None, None
    reference_rate = scenario.start_rate * 2**CPU_STEP
    rate = scenario.start_rate
    for step in range(MAX_STEPS):
        phase = run_phase(clients, server, scenario, rate, STEP_SECONDS)
        if step == CPU_STEP:
            reference = phase
        # A second chance (a third at the start rate, whose failure would end the ladder at once):
        # on a shared machine a single scheduling stall is not a limit of the server.
        for _attempt in range(2 if step == 0 else 1):
            if passes(phase):
                break
            phase = run_phase(clients, server, scenario, rate, STEP_SECONDS)
        log(describe(phase))
        if not passes(phase):
            failed_at = rate
            break
        best = phase if best is None or phase.keystrokes > best.keystrokes else best
        rate *= 2
    if best is None and failed_at is not None:  # the start rate failed: halve it, twice at most
        for _step in range(DOWN_STEPS):
            failed_at = rate
            rate /= 2
            phase = run_phase(clients, server, scenario, rate, STEP_SECONDS)
            log(describe(phase))
            if passes(phase):
                best = phase
                break
    elif best is not None and failed_at is not None:
        middle = (best.offered * failed_at) ** 0.5
        phase = run_phase(clients, server, scenario, middle, STEP_SECONDS)
        log(describe(phase))
        if passes(phase) and phase.keystrokes > best.keystrokes:
            best = phase
    if reference is None:
        reference = run_phase(clients, server, scenario, reference_rate, STEP_SECONDS)
        log(f"  CPU reference step: {describe(reference).strip()}")
    return best, failed_at is None, reference


def run_phase(clients: Clients, server: Server, scenario: Scenario, rate: float, seconds: float) -> Phase:
    results, cpu = clients.phase(server, rate / scenario.clients, seconds)
    return summarise(clients, results, cpu, rate, seconds)


def measure(kind: str, scenario: Scenario, database: Path, secret: str, log) -> dict:
    server = Server(kind, database, secret)
    try:
        forum, root, cookies = scenario.rooms[0]
        asyncio.run(_timed_join(kind, server.url, Member(cookies[0], forum, root)))  # warm up
        time.sleep(0.3)
        before = server.rss_kb()
        processes = 2 if scenario.clients <= 50 else 4
        clients = Clients(kind, server.url, scenario, processes)
        if clients.joined != scenario.clients:
            raise RuntimeError(f"{kind}: only {clients.joined} of {scenario.clients} clients joined")
        time.sleep(1.0)
        kb_per_conn = (server.rss_kb() - before) / scenario.clients
        latency = run_phase(clients, server, scenario, LATENCY_RATE, LATENCY_SECONDS)
        log(
            f"  {kind:5} {scenario.name:6} {kb_per_conn:6.1f} kB/conn, p50 {latency.p50:.1f} ms, "
            f"p99 {latency.p99:.1f} ms, lost {latency.lost}, disconnects {sorted(set(latency.disconnects))}"
        )
        best, capped, reference = search(clients, server, scenario, log)
        clients.stop()
        return {
            "p50": latency.p50,
            "p99": latency.p99,
            "lost": latency.lost,
            "keys": best.keystrokes if best else 0.0,
            "ups": best.updates if best else 0.0,
            "best_p99": best.p99 if best else float("inf"),
            "capped": capped,
            "cpu": reference.cpu_ms_per_update,
            "cpu_key": reference.cpu_ms_per_keystroke,
            "cpu_rate": reference.offered,
            "kb": kb_per_conn,
        }
    finally:
        server.stop()


def load_time(kind: str, load_forum: int, database: Path, secret: str, cookie: str) -> float:
    """Seconds from a fresh server's first join of the 50,000-update forum to its acknowledgement."""
    peer_log = OUTPUT / "peer-load.log" if kind == "peer" else None
    server = Server(kind, database, secret, peer_log)
    try:
        seconds, text = asyncio.run(_timed_join(kind, server.url, Member(cookie, load_forum, "hypothesis")))
        assert len(text) > 0, f"{kind}: the loaded document is empty"
        return seconds
    finally:
        server.stop()


async def _timed_join(kind: str, url: str, member: Member) -> tuple[float, str]:
    """Connect one client, then time its first join until acknowledged (the peer: until synced)."""
    if kind == "peer":
        client = HocuspocusClient(url, member, Recorder())
        await client.connect()
        started = time.monotonic()
        ok = await client.join()
    else:
        client = SocketIOClient(url, member, Recorder())
        await client.sio.connect(url, namespaces=["/forum"], transports=["websocket"], wait_timeout=30)
        started = time.monotonic()
        ok = (await client.join()).get("ok")
    seconds = time.monotonic() - started
    text = str(client.doc.get(member.root, type=Text))
    await client.stop()
    assert ok, f"{kind}: join refused"
    return seconds, text


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    node = subprocess.run([NODE, "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {memory_kb / 1024 / 1024:.1f} GiB memory, "
        f"Python {platform.python_version()}, Node {node}"
    )


def _loads(loads: tuple) -> str:
    return " / ".join(f"{value:.2f}" for value in loads)


def ratio(ours: float, other: float) -> str:
    if not other or other == float("inf") or ours == float("inf"):
        return "n/a"
    return f"{ours / other:.2f}"


# What each figure is, how it is printed, and whether more is better.
METRICS = [
    ("p50", "p50 ms, keystroke to screen at 20 keystrokes/s", "{:.1f}", False),
    ("p99", "p99 ms, keystroke to screen at 20 keystrokes/s", "{:.1f}", False),
    ("keys", "keystrokes/s typed and delivered, p99 < 100 ms", "{:.0f}", True),
    ("ups", "updates/s acknowledged at that step", "{:.0f}", True),
    ("cpu", "server CPU ms per update (at 4 x the start rate)", "{:.2f}", False),
    ("cpu_key", "server CPU ms per keystroke (same step)", "{:.2f}", False),
    ("kb", "server kB per connected client", "{:.1f}", False),
]


def figure(figures: dict, key: str, form: str) -> str:
    value = figures[key]
    text = form.format(value)
    if key in ("keys", "ups") and figures["capped"]:
        text = "≥ " + text  # the top of the ladder passed: the limit is higher
    return text


def write_results(figures: dict, loads: dict, seconds: float, load_before: tuple) -> str:
    forum, bare, peer = figures["forum"], figures["bare"], figures["peer"]
    lines = [
        "| scenario | figure | forum | bare relay | peer (Hocuspocus, write-ahead) | forum / bare | forum / peer |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in forum:
        for key, label, form, _more in METRICS:
            f, b, p = forum[name], bare[name], peer[name]
            lines.append(
                f"| {name} | {label} | {figure(f, key, form)} | {figure(b, key, form)} | "
                f"{figure(p, key, form)} | ×{ratio(f[key], b[key])} | ×{ratio(f[key], p[key])} |"
            )
    lines.append(
        f"| load | s from the first join of a {LOAD_UPDATES:,}-update log (no snapshot; an audit event "
        f"for each update, as the server writes them) until it is "
        f"acknowledged | {loads['forum_first']:.3f} | n/a (stores nothing) | {loads['peer']:.3f} | n/a | "
        f"×{ratio(loads['forum_first'], loads['peer'])} |"
    )
    lines.append(
        f"| load | s for a fresh server to load the same document again (ours from the snapshot and the "
        f"attribution summary its first load wrote; the peer replays its log) | {loads['forum']:.3f} | n/a | {loads['peer']:.3f} | n/a | "
        f"×{ratio(loads['forum'], loads['peer'])} |"
    )
    table = "\n".join(lines)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    measured = RESULTS.read_text() if RESULTS.exists() else ""
    notes = measured.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in measured else "\n"
    RESULTS.write_text(
        "# Benchmark results (`make bench`)\n\n"
        f"- Date: {stamp}; whole run {seconds:.0f} s\n"
        f"- Machine: {machine()}; load average (1, 5, 15 min) {_loads(load_before)} at the start, "
        f"{_loads(os.getloadavg())} at the end (other work on the machine competes for the same cores)\n"
        "- **forum**: `python wsgi.py` (eventlet, one process), embedded default (SQLite, WAL, "
        "synchronous=FULL); every update checked, persisted, audited and applied before it is "
        "acknowledged and relayed. **bare relay**: `bench/relay.py` (python-socketio on eventlet, "
        "TCP_NODELAY, gc.freeze; join and relay only, no sessions, no persistence). **peer**: Hocuspocus "
        "3.4 (`bench/peer/server.mjs`, Node) with a write-ahead hook: every update appended to a log "
        "file and fdatasync'd (group commit) before Hocuspocus applies, relays and acknowledges it.\n"
        "- Clients: asyncio clients in 2 (≤ 50 clients) or 4 separate processes on the same machine, "
        "each with a pycrdt document, typing one character per keystroke with flow control: at most "
        "one update in flight per client, keystrokes typed meanwhile merged (`pycrdt.merge_updates`) "
        "and sent when the acknowledgement arrives. Socket.IO (python-socketio) to forum and bare relay, "
        "the Hocuspocus protocol (aiohttp websocket) to the peer; the peer also echoes each update to "
        "its sender. Latency: from typing a character until the last other client in its room has "
        f"applied an update carrying it; {LATENCY_RATE:.0f} keystrokes/s in all for "
        f"{LATENCY_SECONDS:.0f} s. Throughput: steps of {STEP_SECONDS} s doubling from a start rate "
        "(a failed step is run once more, the first step twice more), then one step between the last pass "
        "and the first failure, or halving steps from the start rate when it fails "
        f"(≥: the top step passed, so the limit is higher); a step passes with p99 < {P99_LIMIT_MS:.0f} ms, "
        "nothing refused and ≤ 0.5% of keystrokes undelivered. Server CPU: user + system time of the "
        "server process (all threads) from /proc/<pid>/stat over the step at 4 x the start rate "
        "(the same offered keystrokes/s for all three), per acknowledged update and per keystroke. "
        "Memory: server RSS after all clients joined minus before, per client.\n\n"
        f"{table}\n\n"
        f"<!-- notes -->{notes}"
    )
    return table


def prepare(log_updates: int = 0) -> tuple[Path, str, list, int]:
    """A fresh bench database, seeded (and with a log of log_updates in the load forum): its path,
    the servers' secret key, the scenarios and the load forum's id."""
    shutil.rmtree(OUTPUT, ignore_errors=True)
    (OUTPUT / "instance").mkdir(parents=True)
    secret = secrets.token_hex(32)
    database = OUTPUT / "bench.db"
    app = bench_app(database, secret)
    with app.app_context():
        scenarios, load_forum, load_authors = seed(app)
        if log_updates:
            write_log(load_forum, log_updates, load_authors)
        from forum.extensions import db

        db.engine.dispose()
    return database, secret, scenarios, load_forum


def main() -> None:
    began = time.monotonic()
    load_before = os.getloadavg()
    database, secret, scenarios, load_forum = prepare(LOAD_UPDATES)

    def log(message: str) -> None:
        print(f"[{time.monotonic() - began:4.0f} s] {message}", flush=True)

    log(f"machine: {machine()}; load average {_loads(load_before)}")
    figures: dict[str, dict[str, dict]] = {kind: {} for kind in KINDS}
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None  # while developing
    kinds = sys.argv[sys.argv.index("--kinds") + 1].split(",") if "--kinds" in sys.argv else KINDS
    for scenario in scenarios:
        if only and scenario.name != only:
            continue
        for kind in kinds:
            figures[kind][scenario.name] = measure(kind, scenario, database, secret, log)
    if only:
        return  # a partial run while developing: bench/results.md keeps the last whole run
    loads = {}
    for kind in ("forum", "peer"):
        loads[kind] = load_time(kind, load_forum, database, secret, scenarios[0].rooms[0][2][0])
        log(f"  {kind} load of a document with {LOAD_UPDATES} updates: {loads[kind]:.3f} s")
    # Our first load compacts the long log into one snapshot (snapshot on load): a fresh server then
    # loads the merged state, as it does for any forum whose updates went through compaction.
    loads["forum_first"] = loads["forum"]
    loads["forum"] = load_time("forum", load_forum, database, secret, scenarios[0].rooms[0][2][0])
    log(f"  forum load of the same document again, from its snapshot: {loads['forum']:.3f} s")
    if kinds != KINDS:
        return  # a partial run while developing: bench/results.md keeps the last whole run
    report = write_results(figures, loads, time.monotonic() - began, load_before)
    print(report, flush=True)
    forum, bare, peer = figures["forum"], figures["bare"], figures["peer"]
    keys = {
        "p99_ms_50": f"{forum['1x50']['p99']:.1f}",
        "p99_ratio_vs_bare_50": ratio(forum["1x50"]["p99"], bare["1x50"]["p99"]),
        "p99_ratio_vs_peer_50": ratio(forum["1x50"]["p99"], peer["1x50"]["p99"]),
        "keystrokes_per_s_20x10": f"{forum['20x10']['keys']:.0f}",
        "bare_keystrokes_per_s_20x10": f"{bare['20x10']['keys']:.0f}",
        "peer_keystrokes_per_s_20x10": f"{peer['20x10']['keys']:.0f}",
        "ratio_vs_bare_20x10": ratio(forum["20x10"]["keys"], bare["20x10"]["keys"]),
        "ratio_vs_peer_20x10": ratio(forum["20x10"]["keys"], peer["20x10"]["keys"]),
        "cpu_ms_per_update_20x10": f"{forum['20x10']['cpu']:.2f}",
        "bare_cpu_ms_per_update_20x10": f"{bare['20x10']['cpu']:.2f}",
        "peer_cpu_ms_per_update_20x10": f"{peer['20x10']['cpu']:.2f}",
        "cpu_ratio_vs_bare_20x10": ratio(forum["20x10"]["cpu"], bare["20x10"]["cpu"]),
        "cpu_ratio_vs_peer_20x10": ratio(forum["20x10"]["cpu"], peer["20x10"]["cpu"]),
        "kb_per_conn": f"{forum['1x200']['kb']:.1f}",
        "kb_ratio_vs_bare": ratio(forum["1x200"]["kb"], bare["1x200"]["kb"]),
        "kb_ratio_vs_peer": ratio(forum["1x200"]["kb"], peer["1x200"]["kb"]),
        "load_s_50k": f"{loads['forum']:.3f}",
        "first_load_s_50k": f"{loads['forum_first']:.3f}",
        "peer_load_s_50k": f"{loads['peer']:.3f}",
        "load_ratio_vs_peer": ratio(loads["forum"], loads["peer"]),
        "seconds": f"{time.monotonic() - began:.0f}",
        "loadavg_start": "/".join(f"{value:.2f}" for value in load_before),
        "loadavg_end": "/".join(f"{value:.2f}" for value in os.getloadavg()),
    }
    print(" ".join(f"{key}={value}" for key, value in keys.items()), flush=True)


if __name__ == "__main__":
    main()

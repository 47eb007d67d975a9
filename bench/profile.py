"""Where the forum server's time goes: py-spy over one fixed-rate phase (20 rooms of 10 by default).

    python -m bench.profile [RATE [SECONDS [KIND [SCENARIO]]]]   (defaults: 160 keystrokes/s, 8 s, forum, 20x10)

Seeds a fresh database as `make bench` does, starts the server and the flow-controlled clients,
and records the server with py-spy (200 Hz, samples only while it holds the GIL, so a wait for the
disk is not counted as work; raw folded stacks in bench/output/profile-KIND.txt) during the phase; then prints the share of samples under the functions that matter. py-spy is not
a project dependency: put it on PATH or name it in PY_SPY (e.g. a separate venv's bin/py-spy).
"""

import collections
import os
import re
import shutil
import subprocess
import sys
import time

from bench.run import OUTPUT, Clients, Server, describe, prepare, summarise

# (label, pattern matched against a folded stack) — inclusive shares of the samples
PARTS = [
    ("group commit: write_batch", r"write_batch \(forum/"),
    ("  claim: conditional write on the forum row", r"(_claimed|_claim|Room\.claim) \(forum/"),
    ("  the authors' roles, the forum's state", r"(_writable|writing_refusals) \(forum/"),
    ("  stage: apply to the document, rows", r"(Room\.stage|_stage) \(forum/"),
    ("  audit rows", r"record_many \(forum/services/audit"),
    ("  SQLite commit (and its fsync)", r"do_commit \(sqlalchemy"),
    ("the payload's check (pydantic)", r"parse \(forum/realtime/payloads"),
    ("the batch's relay to the room", r"publish_update \(forum/"),
    ("Flask request context per event", r"RequestContext\.(push|pop) \(flask/ctx"),
    ("Flask app context per event", r"AppContext\.(push|pop) \(flask/ctx"),
    ("frames in (websocket read, unmasking)", r"RFC6455WebSocket\.wait \(eventlet"),
    ("frames out (Engine.IO writer tasks)", r"_websocket_handler\.<locals>\.writer \(engineio"),
    ("pycrdt", r"pycrdt"),
    ("SQLAlchemy, anywhere", r"sqlalchemy/"),
]


def summary(path: str) -> str:
    total = 0
    shares: collections.Counter = collections.Counter()
    for line in open(path):  # noqa: SIM115, PTH123 - read once
        stack, _, count = line.rstrip().rpartition(" ")
        total += int(count)
        for label, pattern in PARTS:
            if re.search(pattern, stack):
                shares[label] += int(count)
    lines = [f"{total} samples (non-idle)"]
    lines += [f"{label:44} {100 * shares[label] / max(total, 1):5.1f} %" for label, _ in PARTS]
    return "\n".join(lines)


def main() -> None:
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 160.0
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    kind = sys.argv[3] if len(sys.argv) > 3 else "forum"
    name = sys.argv[4] if len(sys.argv) > 4 else "20x10"
    py_spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if not py_spy:
        sys.exit("py-spy not found: put it on PATH or set PY_SPY")
    database, secret, scenarios, _load_forum = prepare()
    scenario = next(s for s in scenarios if s.name == name)
    output = OUTPUT / f"profile-{kind}.txt"
    server = Server(kind, database, secret)
    try:
        clients = Clients(kind, server.url, scenario, 4)
        if clients.joined != scenario.clients:
            raise RuntimeError(f"{kind}: only {clients.joined} of {scenario.clients} clients joined")
        time.sleep(1.0)
        spy = subprocess.Popen(  # noqa: S603 - a local tool
            [py_spy, "record", "-p", str(server.process.pid), "-r", "200", "-d", str(int(seconds) + 1)]
            + ["-f", "raw", "-o", str(output), "--nonblocking", "--gil"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        results, cpu = clients.phase(server, rate / scenario.clients, seconds)
        print(describe(summarise(clients, results, cpu, rate, seconds)))
        spy.wait()
        clients.stop()
    finally:
        server.stop()
    print(summary(str(output)))


if __name__ == "__main__":
    main()

"""`make bench`: reply latency through the web app against Rasa's own REST channel, measured in the same run, at 1, 10
and 50 concurrent conversations; the time from a child's risk message to it showing in a signed-in counsellor's
queue (10 and 50 children at once, and one at a time while 50 others chat); the time from staff publishing a change
to a child's reply holding it; replies in a 500-turn conversation against a 5-turn one; and, for one web app
instance, memory per open conversation and the most concurrent conversations it serves with p95 under a second,
sending back to back and at a child's pace. `--profile` adds a py-spy profile (benchmarks/profile.py);
`--rasa-cores 0 --latency-only` measures latency and throughput with Rasa on cores apart (benchmarks/cores.py).

Runs it all twice: on a single instance (Rasa, action server and web app on a throwaway SQLite database), and on
`make run-cluster`'s layout (bot/cluster.py: PostgreSQL, Redis, nginx, two of each server) on its own ports, where
bare Rasa is nginx's Rasa front and the web app is nginx's front. `--only single|cluster` runs one.

Everything is on loopback; load is bounded (a fixed number of messages per conversation, capped steps, timeouts).
Prints a table; asserts nothing.
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.capacity import CHILD_PAUSE_SECONDS, PACED_STEPS, STEPS, capacity, memory_per_conversation
from benchmarks.content import publish_to_child
from benchmarks.cores import parse_cores, pin_rasa_apart
from benchmarks.cpu import cpu_seconds, describe, per_reply
from benchmarks.load import (
    PASSWORD,
    bare_rasa,
    progress,
    risk_to_console,
    risk_while_others_chat,
    row,
    through_web_app,
    wait_until_idle,
)
from benchmarks.long import long_conversations
from benchmarks.profile import profile
from bot import launch
from bot.cluster import Layout, start_cluster
from bot.launch import Servers
from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade

COUNSELLOR = "bench"
CONCURRENCY = (1, 10, 50)
RISK_CHILDREN = (10, 50)
RISK_UNDER_LOAD = (50, 20)  # conversations chatting, risk messages sent one at a time among them
# A load test comes from one address and sends faster than any child: lift the chat limits on the servers it starts.
ENV = {"COUNSELLOR_HOURS": "00:00-00:00", "RATE_MESSAGES": "1000000", "RATE_IP_MESSAGES": "1000000"}
CLUSTER = Layout(
    front=8780, rasa_front=5780, postgres=5743, redis=6780, rasa=(5706, 5707), actions=(5756, 5757), web=(8701, 8702)
)


@dataclass
class Setup:
    name: str
    servers: Servers
    database_url: str
    # Processes whose memory and profile one instance's figures need (the single instance only).
    pids: dict[str, int] = field(default_factory=dict)


def add_counsellor(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            users.create_user(session, COUNSELLOR, "counsellor", PASSWORD)
    finally:
        engine.dispose()


@contextmanager
def single_instance() -> Iterator[Setup]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database_url)
    add_counsellor(database_url)
    progress("Starting Rasa, the action server and the web app on SQLite (about a minute)...")
    servers = launch.start_servers(
        rasa_port=5505,
        action_port=5555,
        web_port=8505,
        log_dir=workdir / "logs",
        token="bench",
        extra_env={"DATABASE_URL": database_url, "BOT_VAR_DIR": str(workdir), **ENV},
    )
    try:
        web_app, rasa = servers.server("web app").process, servers.server("Rasa server").process
        assert web_app is not None and rasa is not None  # start_servers returns them running
        yield Setup("single", servers, database_url, {"web app": web_app.pid, "Rasa": rasa.pid})
    finally:
        servers.stop()
    shutil.rmtree(workdir, ignore_errors=True)  # kept, with the servers' logs, when something failed


@contextmanager
def cluster() -> Iterator[Setup]:
    # Not under the project: PostgreSQL's user must be able to reach its data inside (as tests/e2e/test_cluster.py).
    workdir = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    progress(
        "Starting PostgreSQL, Redis, nginx, two action servers, two Rasa servers and two web apps (a minute or two)..."
    )
    servers = start_cluster(workdir, CLUSTER, extra_env={"BOT_VAR_DIR": str(workdir), **ENV})
    try:
        add_counsellor(CLUSTER.database_url)
        yield Setup("cluster", servers, CLUSTER.database_url)
    finally:
        servers.stop()
    shutil.rmtree(workdir, ignore_errors=True)  # kept, with the servers' logs, when something failed


async def measure(setup: Setup, args, rows: list[dict]) -> None:
    """Adds every figure for one setup to `rows` as it is measured; ratios and other figures go in its notes row."""
    servers = setup.servers
    notes: list[str] = []
    assert servers.web_url is not None  # both setups have web apps
    rows.append({"setup": setup.name, "notes": notes})
    if args.rasa_cores:
        notes.append(pin_rasa_apart(servers, args.rasa_cores))

    def add(*new: dict) -> None:
        rows.extend({**r, "setup": setup.name} for r in new)

    def phase(text: str) -> None:
        progress(f"{setup.name}: {text}")
        wait_until_idle(servers.rasa_url)  # each measure starts with no replies still owed from the one before

    for conversations in CONCURRENCY:
        phase(f"{conversations} conversations at once")
        before = cpu_seconds(servers)
        bare = await bare_rasa(servers.rasa_url, conversations, args.rounds)
        between = cpu_seconds(servers)
        web = await through_web_app(servers.web_url, conversations, args.rounds)
        after = cpu_seconds(servers)
        add(bare, web)
        notes.append(
            f"{conversations} at once: web app p95 / bare Rasa p95 = {web['p95'] / bare['p95']:.2f} "
            f"(goal <= 1.2); replies per second, web app / bare Rasa = "
            f"{web['per_second'] / bare['per_second']:.2f} (goal >= 0.9)"
        )
        notes.append(
            f"{conversations} at once, CPU ms per reply: bare Rasa "
            f"{describe(per_reply(before, between, bare['count']))}; web app "
            f"{describe(per_reply(between, after, web['count']))}"
        )
    if args.latency_only:
        return
    for children in RISK_CHILDREN:
        phase(f"risk messages from {children} children")
        risk = await risk_to_console(servers.web_url, COUNSELLOR, children, args.rounds)
        add(risk)
        notes.append(f"risk message to console, {children} children at once: p95 {risk['p95']:.0f} ms (goal < 1000 ms)")
    phase(f"risk messages while {RISK_UNDER_LOAD[0]} conversations chat")
    risk = await risk_while_others_chat(servers.web_url, COUNSELLOR, *RISK_UNDER_LOAD, args.rounds)
    add(risk)
    notes.append(
        f"risk message to console while {RISK_UNDER_LOAD[0]} others chat: p95 {risk['p95']:.0f} ms (goal < 1000 ms)"
    )
    phase("publishing")
    published = row("published change to a child's reply", publish_to_child(servers.rasa_url, setup.database_url))
    add(published)
    notes.append(f"published change to a child: p95 {published['p95'] / 1000:.1f} s (goal < 5 s)")
    phase(f"long conversations ({args.long_turns} turns, built one by one)")
    long_rows, long_notes = await long_conversations(servers, long=args.long_turns, rounds=args.rounds)
    add(*long_rows)
    notes.extend(long_notes)
    if setup.pids:
        phase("memory per conversation")
        notes.extend(await memory_per_conversation(servers.web_url, setup.pids))
        phase("capacity of one web app instance")
        for steps, pause in ((STEPS, 0), (PACED_STEPS, CHILD_PAUSE_SECONDS)):
            capacity_rows, capacity_notes = await capacity(servers.web_url, servers.rasa_url, steps=steps, pause=pause)
            add(*capacity_rows)
            notes.extend(capacity_notes)
        if args.profile:
            phase("py-spy profile")
            notes.extend(await profile(servers.web_url, setup.pids))


def print_table(rows: list[dict]) -> None:
    print(f"\n{'setup':<9}{'measure':<52}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'per s':>8}")
    for r in rows:
        if "notes" not in r:
            per_second = f"{r['per_second']:.1f}" if r["per_second"] else "-"
            print(
                f"{r['setup']:<9}{r['name']:<52}{r['count']:>7}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['p99']:>9.0f}"
                f"{per_second:>8}"
            )
    for r in rows:
        if "notes" in r:
            print(f"\n{r['setup']}:")
            for line in r["notes"]:
                print(f"  {line}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("single", "cluster"), help="run one setup (default: both)")
    parser.add_argument("--rounds", type=int, default=3, help="times each conversation sends the message list")
    parser.add_argument("--long-turns", type=int, default=500, help="turns of the long conversation")
    parser.add_argument("--profile", action="store_true", help="py-spy the single instance under load too")
    parser.add_argument(
        "--rasa-cores",
        type=parse_cores,
        metavar="CORES",
        help="pin the Rasa servers to these cores (0 or 0-1) and all else to the others",
    )
    parser.add_argument(
        "--latency-only", action="store_true", help="only the latency and throughput rows at 1, 10 and 50 at once"
    )
    args = parser.parse_args()
    setups = {"single": single_instance, "cluster": cluster}
    rows: list[dict] = []
    try:
        for name, start in setups.items():
            if args.only in (None, name):
                with start() as setup:
                    asyncio.run(measure(setup, args, rows))
    finally:  # a failure in a later setup still leaves the figures measured before it
        print_table(rows)
        print(f"\n{os.cpu_count()} cores; figures are noisy when anything else runs on the machine.")


if __name__ == "__main__":
    main()

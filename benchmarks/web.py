"""`make bench`: reply latency through the web app against Rasa's own REST channel, measured in the same run,
the time from a child's risk message to it showing in a signed-in counsellor's queue, and the time from
staff publishing a change to a child's reply holding it.

Starts its own Rasa, action server and web app on loopback ports, on a throwaway SQLite database. Load is bounded:
a fixed number of messages per conversation, a few concurrent conversations. Prints a table; asserts nothing.
"""
import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import List, Optional

import httpx

from benchmarks.content import publish_to_child
from bot import launch
from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade
from bot.web.client import ChildPage, Console

MESSAGES = ["hi", "he says he will send my pics to everyone", "should i pay him", "how do i block him",
            "can i get the pics taken down", "thanks"]
PASSWORD = "benchmark password 123"


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def row(name: str, latencies: List[float], seconds: Optional[float] = None) -> dict:
    return {"name": name, "p50": percentile(latencies, .5) * 1000, "p95": percentile(latencies, .95) * 1000,
            "p99": percentile(latencies, .99) * 1000, "count": len(latencies),
            "per_second": len(latencies) / seconds if seconds else None}


async def bare_rasa(rasa_url: str, conversations: int, rounds: int) -> dict:
    async with httpx.AsyncClient(base_url=rasa_url, timeout=60) as client:
        async def one():
            sender, latencies = uuid.uuid4().hex, []
            for _ in range(rounds):
                for text in MESSAGES:
                    started = time.perf_counter()
                    (await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})).raise_for_status()
                    latencies.append(time.perf_counter() - started)
            return latencies

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(conversations)))
    return row(f"bare Rasa REST, {conversations} at once", [x for r in results for x in r], time.perf_counter() - started)


async def through_web_app(web_url: str, conversations: int, rounds: int) -> dict:
    """Time from sending a message to the bot's last reply to it (the page shows the whole answer)."""
    async def one():
        latencies = []
        async with ChildPage(web_url) as page:
            for _ in range(rounds):
                for text in MESSAGES:
                    started = time.perf_counter()
                    await page.send(text)
                    await page.next_event(lambda e: e["type"] == "helplines")  # sent after the bot's last reply
                    latencies.append(time.perf_counter() - started)
        return latencies

    started = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(conversations)))
    return row(f"web app WebSocket, {conversations} at once", [x for r in results for x in r], time.perf_counter() - started)


async def risk_to_console(web_url: str, counsellor: str, children: int, rounds: int) -> dict:
    console = Console(web_url, counsellor)
    console.sign_in(PASSWORD)
    latencies = []
    async with console:
        await console.next_event(lambda e: e["type"] == "queue")
        for _ in range(rounds):
            pages = [await ChildPage(web_url).__aenter__() for _ in range(children)]
            sent = {}
            for page in pages:
                sent[page.conversation] = time.perf_counter()
                await page.send("i took all my pills")
            seen = set()
            while len(seen) < len(pages):
                event = await console.next_event(lambda e: e["type"] == "queue")
                now = time.perf_counter()
                for entry in event["waiting"]:
                    if entry["conversation_id"] in sent and entry["conversation_id"] not in seen:
                        seen.add(entry["conversation_id"])
                        latencies.append(now - sent[entry["conversation_id"]])
            for page in pages:
                await page.__aexit__(None, None, None)
    return row(f"risk message to console queue, {children} children at once", latencies)


def print_table(rows: List[dict], ratios: List[str]) -> None:
    print(f"\n{'measure':<52}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'per s':>8}")
    for r in rows:
        per_second = f"{r['per_second']:.1f}" if r["per_second"] else "-"
        print(f"{r['name']:<52}{r['count']:>7}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['p99']:>9.0f}{per_second:>8}")
    print()
    for line in ratios:
        print(line)


async def measure(servers, counsellor: str, rounds: int, database_url: str) -> None:
    rows, ratios = [], []
    for conversations in (1, 10):
        bare = await bare_rasa(servers.rasa_url, conversations, rounds)
        web = await through_web_app(servers.web_url, conversations, rounds)
        rows += [bare, web]
        ratios.append(f"{conversations} at once: web app p95 / bare Rasa p95 = {web['p95'] / bare['p95']:.2f} "
                      f"(goal <= 1.2); replies per second ratio = {web['per_second'] / bare['per_second']:.2f} (goal >= 0.9)")
    rows.append(await risk_to_console(servers.web_url, counsellor, children=10, rounds=rounds))
    ratios.append(f"risk message to console p95: {rows[-1]['p95']:.0f} ms (goal < 1000 ms)")
    rows.append(row("published change to a child's reply", publish_to_child(servers.rasa_url, database_url)))
    ratios.append(f"published change to a child: p95 {rows[-1]['p95'] / 1000:.1f} s (goal < 5 s)")
    print_table(rows, ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="times each conversation sends the message list")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        users.create_user(session, "bench", "counsellor", PASSWORD)
    print("Starting Rasa, the action server and the web app (about a minute)...", flush=True)
    servers = launch.start_servers(
        rasa_port=5505, action_port=5555, web_port=8505, log_dir=workdir / "logs", token="bench",
        extra_env={"DATABASE_URL": database_url, "BOT_VAR_DIR": str(workdir), "COUNSELLOR_HOURS": "00:00-00:00",
                   "RATE_MESSAGES": "1000"},
    )
    try:
        asyncio.run(measure(servers, "bench", args.rounds, database_url))
    finally:
        servers.stop()


if __name__ == "__main__":
    main()

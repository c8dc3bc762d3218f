"""The load the benchmarks send: conversations through Rasa's bare REST channel or through the web app's WebSocket,
and children's risk messages watched from a counsellor's console. Every function is bounded in count; every wait
has a timeout."""
import asyncio
import sys
import time
import uuid
from typing import List, Optional, Sequence

import httpx

from bot.web.client import ChildPage, Console

MESSAGES = ["hi", "he says he will send my pics to everyone", "should i pay him", "how do i block him",
            "can i get the pics taken down", "thanks"]
PASSWORD = "benchmark password 123"
RASA_TIMEOUT_SECONDS = 60


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def wait_until_idle(rasa_url: str, timeout: float = 300) -> None:
    """Returns once Rasa answers a new conversation at once: replies still owed from earlier load would count."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=rasa_url, timeout=RASA_TIMEOUT_SECONDS) as client:
        while time.monotonic() < deadline:
            started = time.monotonic()
            client.post("/webhooks/rest/webhook", json={"sender": f"idle-{uuid.uuid4().hex}", "message": "hi"})
            if time.monotonic() - started < 1:
                return
    raise TimeoutError(f"Rasa was still busy after {timeout:.0f} s")


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def row(name: str, latencies: List[float], seconds: Optional[float] = None) -> dict:
    return {"name": name, "p50": percentile(latencies, .5) * 1000, "p95": percentile(latencies, .95) * 1000,
            "p99": percentile(latencies, .99) * 1000, "count": len(latencies),
            "per_second": len(latencies) / seconds if seconds else None}


def _ids(conversations: int, ids: Optional[Sequence[str]]) -> List[Optional[str]]:
    return list(ids) if ids is not None else [None] * conversations


async def bare_rasa(rasa_url: str, conversations: int, rounds: int, senders: Optional[Sequence[str]] = None,
                    name: Optional[str] = None) -> dict:
    """Each conversation sends MESSAGES `rounds` times, one after the other; all conversations at once."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=rasa_url, timeout=RASA_TIMEOUT_SECONDS, limits=limits) as client:
        async def one(sender: Optional[str]) -> List[float]:
            sender, latencies = sender or uuid.uuid4().hex, []
            for _ in range(rounds):
                for text in MESSAGES:
                    started = time.perf_counter()
                    response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
                    response.raise_for_status()
                    latencies.append(time.perf_counter() - started)
            return latencies

        started = time.perf_counter()
        results = await asyncio.gather(*(one(sender) for sender in _ids(conversations, senders)))
    return row(name or f"bare Rasa REST, {conversations} at once", [x for r in results for x in r],
               time.perf_counter() - started)


async def through_web_app(web_url: str, conversations: int, rounds: int, ids: Optional[Sequence[str]] = None,
                          name: Optional[str] = None) -> dict:
    """Time from sending a message to the bot's last reply to it (the page shows the whole answer)."""
    async def one(conversation: Optional[str]) -> List[float]:
        latencies = []
        async with ChildPage(web_url, conversation) as page:
            for _ in range(rounds):
                for text in MESSAGES:
                    started = time.perf_counter()
                    await page.send(text)
                    await page.next_event(lambda e: e["type"] == "helplines")  # sent after the bot's last reply
                    latencies.append(time.perf_counter() - started)
        return latencies

    started = time.perf_counter()
    results = await asyncio.gather(*(one(conversation) for conversation in _ids(conversations, ids)))
    return row(name or f"web app WebSocket, {conversations} at once", [x for r in results for x in r],
               time.perf_counter() - started)


async def risk_to_console(web_url: str, counsellor: str, children: int, rounds: int) -> dict:
    """Time from `children` children each sending a risk message at once to each showing in the console's queue."""
    console = Console(web_url, counsellor)
    console.sign_in(PASSWORD)
    latencies = []
    async with console:
        await console.next_event(lambda e: e["type"] == "queue")
        for _ in range(rounds):
            pages = await asyncio.gather(*(ChildPage(web_url).__aenter__() for _ in range(children)))
            sent = {}

            async def send(page: ChildPage) -> None:
                sent[page.conversation] = time.perf_counter()
                await page.send("i took all my pills")

            await asyncio.gather(*(send(page) for page in pages))
            seen = set()
            while len(seen) < len(pages):
                event = await console.next_event(lambda e: e["type"] == "queue")
                now = time.perf_counter()
                for entry in event["waiting"]:
                    if entry["conversation_id"] in sent and entry["conversation_id"] not in seen:
                        seen.add(entry["conversation_id"])
                        latencies.append(now - sent[entry["conversation_id"]])
            await asyncio.gather(*(page.__aexit__(None, None, None) for page in pages))
    return row(f"risk message to console queue, {children} children at once", latencies)

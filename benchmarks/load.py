"""The load the benchmarks send: conversations through Rasa's bare REST channel or through the web app's WebSocket,
and children's risk messages watched from a counsellor's console. Every function is bounded in count; every wait
has a timeout."""

import asyncio
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

import httpx

from tests.client import ChildPage, Console

MESSAGES = [
    "hi",
    "he says he will send my pics to everyone",
    "should i pay him",
    "how do i block him",
    "can i get the pics taken down",
    "thanks",
]
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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def row(name: str, latencies: list[float], seconds: float | None = None) -> dict:
    return {
        "name": name,
        "p50": percentile(latencies, 0.5) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "count": len(latencies),
        "per_second": len(latencies) / seconds if seconds else None,
    }


def _ids(conversations: int, ids: Sequence[str] | None) -> list[str | None]:
    return list(ids) if ids is not None else [None] * conversations


async def _timed_turns(rounds: int, say: Callable[[str], Awaitable], pause: float = 0) -> list[float]:
    """Each of MESSAGES `rounds` times, one after the other: the time `say` takes to get each whole answer.
    With a `pause`, the sender first waits a random part of it, then between answer and next message waits half to
    one and a half times it, as a child reads and types (and so that conversations do not send in step)."""
    latencies = []
    if pause:
        await asyncio.sleep(random.uniform(0, pause))
    for _ in range(rounds):
        for text in MESSAGES:
            started = time.perf_counter()
            await say(text)
            latencies.append(time.perf_counter() - started)
            if pause:
                await asyncio.sleep(random.uniform(0.5, 1.5) * pause)
    return latencies


async def _all_at_once(
    name: str, conversation: Callable[[str | None], Awaitable[list[float]]], ids: list[str | None]
) -> dict:
    started = time.perf_counter()
    results = await asyncio.gather(*(conversation(one_id) for one_id in ids))
    return row(name, [x for r in results for x in r], time.perf_counter() - started)


async def bare_rasa(
    rasa_url: str, conversations: int, rounds: int, senders: Sequence[str] | None = None, name: str | None = None
) -> dict:
    """Each conversation sends MESSAGES `rounds` times, one after the other; all conversations at once."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=rasa_url, timeout=RASA_TIMEOUT_SECONDS, limits=limits) as client:

        async def one(sender: str | None) -> list[float]:
            sender = sender or uuid.uuid4().hex

            async def say(text: str) -> None:
                response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
                response.raise_for_status()

            return await _timed_turns(rounds, say)

        return await _all_at_once(name or f"bare Rasa REST, {conversations} at once", one, _ids(conversations, senders))


async def through_web_app(
    web_url: str,
    conversations: int,
    rounds: int,
    ids: Sequence[str] | None = None,
    name: str | None = None,
    pause: float = 0,
) -> dict:
    """Time from sending a message to the bot's last reply to it (the page shows the whole answer)."""

    async def one(conversation: str | None) -> list[float]:
        async with ChildPage(web_url, conversation) as page:
            return await _timed_turns(rounds, page.say, pause)

    return await _all_at_once(name or f"web app WebSocket, {conversations} at once", one, _ids(conversations, ids))


async def risk_to_console(web_url: str, counsellor: str, children: int, rounds: int) -> dict:
    """Time from `children` children each sending a risk message at once to each showing in the console's queue."""
    console = Console(web_url, counsellor)
    console.sign_in(PASSWORD)
    latencies = []
    async with console:
        await console.next_event(lambda e: e["type"] == "queue")
        for _ in range(rounds):
            pages = await asyncio.gather(*(ChildPage(web_url).__aenter__() for _ in range(children)))
            sent: dict[str | None, float] = {}

            async def send(page: ChildPage, sent: dict = sent) -> None:
                sent[page.conversation] = time.perf_counter()
                await page.send("i took all my pills")

            await asyncio.gather(*(send(page) for page in pages))
            seen: set[str] = set()
            while len(seen) < len(pages):
                event = await console.next_event(lambda e: e["type"] == "queue")
                now = time.perf_counter()
                for entry in event["waiting"]:
                    if entry["conversation_id"] in sent and entry["conversation_id"] not in seen:
                        seen.add(entry["conversation_id"])
                        latencies.append(now - sent[entry["conversation_id"]])
            await asyncio.gather(*(page.__aexit__(None, None, None) for page in pages))
    return row(f"risk message to console queue, {children} children at once", latencies)


async def risk_while_others_chat(web_url: str, counsellor: str, conversations: int, risks: int, rounds: int) -> dict:
    """Time from a child's risk message to it showing in the console's queue while `conversations` others chat
    (through_web_app): one risk message at a time, from a new child each, `risks` of them."""
    console = Console(web_url, counsellor)
    console.sign_in(PASSWORD)
    latencies = []
    async with console:
        await console.next_event(lambda e: e["type"] == "queue")
        load = asyncio.create_task(through_web_app(web_url, conversations, rounds))
        await asyncio.sleep(2)  # every conversation is under way
        for _ in range(risks):
            if load.done():
                break
            async with ChildPage(web_url) as page:
                sent = time.perf_counter()
                await page.send("i took all my pills")
                assert page.conversation is not None  # the web app's welcome named it
                await console.waiting_entry(page.conversation, timeout=RASA_TIMEOUT_SECONDS)
                latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(0.5)
        await load
    return row(f"risk message to console queue, while {conversations} others chat", latencies)

"""What one web app instance holds: memory per open conversation, and the most concurrent conversations it serves
with p95 under a second (stepping up until a step is over, bounded in steps and time): conversations that send
again as soon as they are answered (the most load a conversation can make), and conversations at a child's pace
(a message every CHILD_PAUSE_SECONDS or so, the time to read an answer and type a short one)."""

import asyncio
import time

import psutil

from benchmarks.load import progress, through_web_app, wait_until_idle
from tests.client import WAIT_SECONDS, ChildPage

MB = 1024 * 1024
STEPS = (10, 25, 50, 75, 100, 150, 200)
PACED_STEPS = (25, 50, 75, 100, 150, 200, 300)
# An assumption, not a measurement: a fast typist in a chat reads a short answer and sends again within seconds.
CHILD_PAUSE_SECONDS = 8
P95_LIMIT_MS = 1000
CAPACITY_SECONDS = 600


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


async def memory_per_conversation(web_url: str, pids: dict, conversations: int = 200) -> list[str]:
    """RSS of each process before and after `conversations` chats are open, each having had one answer."""
    before = {name: rss(pid) for name, pid in pids.items()}

    async def open_chat() -> ChildPage:
        page = await ChildPage(web_url).__aenter__()
        await page.say("hi")  # its whole answer: what Rasa and the web app keep for it is in memory
        return page

    # Opened a few at a time: the figure is memory, and a flood would leave Rasa with a backlog.
    pages: list[ChildPage] = []
    while len(pages) < conversations:
        pages += await asyncio.gather(*(open_chat() for _ in range(min(10, conversations - len(pages)))))
    after = {name: rss(pid) for name, pid in pids.items()}
    await asyncio.gather(*(page.__aexit__(None, None, None) for page in pages))
    return [
        f"memory, {name}: RSS {before[name] / MB:.0f} MB -> {after[name] / MB:.0f} MB with {conversations} "
        f"open conversations: {(after[name] - before[name]) / conversations / 1024:.0f} KB per conversation"
        for name in pids
    ]


async def capacity(
    web_url: str, rasa_url: str, rounds: int = 1, steps=STEPS, pause: float = 0
) -> tuple[list[dict], list[str]]:
    """Steps up the concurrent conversations until a step's p95 is over a second (or its replies time out).
    With a `pause`, each conversation waits about that long between an answer and its next message."""
    rows, held, over = [], 0, None
    how = f"a message every {pause:.0f} s or so" if pause else "back to back"
    started = time.monotonic()
    for conversations in steps:
        wait_until_idle(rasa_url)
        try:
            result = await through_web_app(
                web_url,
                conversations,
                rounds,
                pause=pause,
                name=f"capacity step: web app, {conversations} at once, {'paced' if pause else 'no pause'}",
            )
        except asyncio.TimeoutError:  # a reply took longer than the client waits for one: far over
            over = f"{conversations}, had replies over {WAIT_SECONDS} s"
            break
        rows.append(result)
        progress(f"  {conversations} at once: p95 {result['p95']:.0f} ms")
        if result["p95"] > P95_LIMIT_MS:
            over = f"{conversations}, had p95 {result['p95']:.0f} ms"
            break
        held = conversations
        if time.monotonic() - started > CAPACITY_SECONDS:
            over = f"not run: the steps took over {CAPACITY_SECONDS} s"
            break
    return rows, [
        f"one web app instance, {how}: largest step with p95 under 1 s: {held} concurrent "
        f"conversations (next step: {over or 'none, the cap'})"
    ]

"""Long conversations: reply latency in a conversation that already has many turns against one that has a few.

Rasa keeps a conversation's events without bound; what matters is whether each new reply gets slower as they grow.
The conversations are built through Rasa's bare REST channel, then measured through both that and the web app.
"""

import time
import uuid

import httpx

from benchmarks.load import MESSAGES, RASA_TIMEOUT_SECONDS, bare_rasa, through_web_app

# Give up building after this long: a benchmark must stay bounded even when the store is very slow.
BUILD_SECONDS = 900


def build(rasa_url: str, turns: int) -> tuple[str, float]:
    """A new conversation of `turns` messages (and their replies); its id and the build's seconds."""
    sender = f"bench-long-{turns}-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    with httpx.Client(base_url=rasa_url, timeout=RASA_TIMEOUT_SECONDS) as client:
        for turn in range(turns):
            if time.monotonic() - started > BUILD_SECONDS:
                raise TimeoutError(f"built only {turn} of {turns} turns in {BUILD_SECONDS} s")
            client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": MESSAGES[turn % len(MESSAGES)]}
            ).raise_for_status()
    return sender, time.monotonic() - started


async def long_conversations(servers, short: int = 5, long: int = 500, rounds: int = 3) -> tuple[list[dict], list[str]]:
    """Rows for replies in a `short`-turn and a `long`-turn conversation, through bare Rasa and the web app."""
    rows, lines = [], []
    for turns in (short, long):
        sender, seconds = build(servers.rasa_url, turns)
        lines.append(f"built a {turns}-turn conversation in {seconds:.0f} s")
        rows.append(
            await bare_rasa(
                servers.rasa_url, 1, rounds, senders=[sender], name=f"bare Rasa REST, {turns}-turn conversation"
            )
        )
        rows.append(
            await through_web_app(
                servers.web_url, 1, rounds, ids=[sender], name=f"web app WebSocket, {turns}-turn conversation"
            )
        )
    for offset, channel in ((0, "bare Rasa"), (1, "web app")):
        few, many = rows[offset], rows[offset + 2]
        lines.append(
            f"{long} turns against {short}, {channel}: p50 ratio {many['p50'] / few['p50']:.2f}, "
            f"p95 ratio {many['p95'] / few['p95']:.2f} (goal < 2)"
        )
    return rows, lines

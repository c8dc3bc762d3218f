"""Talks to Rasa's REST channel for the web app: the child's message in, the bot's replies out.

Rasa's work is mostly CPU: past a few messages at once it only answers each of them later. So each web app sends
it at most `at_once` messages at a time and keeps the rest in line, in order. Without that, in a crowd every message
slowed down together until they all passed the time limit, and the work Rasa had done on each was thrown away
(the web app gave up, and Rasa's server cancels a request whose caller has gone): fewer children answered, not more.
A message that waits in line longer than `queue_seconds` is answered by the web app itself, with the numbers,
without taking Rasa's time.
"""

import asyncio
from dataclasses import dataclass, field

import httpx

from bot import settings

# Rasa answers in well under a second; a model reload or an overloaded server must not hold a child for long.
REPLY_TIMEOUT_SECONDS = 20.0


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error: the web app answers from its own safety message."""


@dataclass(frozen=True)
class BotReply:
    text: str
    buttons: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class BotTurn:
    """What Rasa said, and whether its last message offered a person (the `handoff` marker of utter_request_human)."""

    replies: list[BotReply]
    offers_person: bool = False
    # True when Rasa could not answer and the web app's safety message (with the numbers) stands in
    from_web_app: bool = False


class RasaClient:
    def __init__(
        self,
        base_url: str,
        timeout: float = REPLY_TIMEOUT_SECONDS,
        at_once: int | None = None,
        queue_seconds: float | None = None,
    ):
        at_once = at_once or settings.RASA_AT_ONCE
        limits = httpx.Limits(max_connections=at_once, max_keepalive_connections=at_once)
        self.client = httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits)
        self.line = asyncio.Semaphore(at_once)
        self.queue_seconds = settings.RASA_QUEUE_SECONDS if queue_seconds is None else queue_seconds
        # The longest a live web app takes to answer a message: its wait in line, then Rasa's whole time limit.
        self.longest_turn_seconds = self.queue_seconds + timeout

    async def reply(self, conversation_id: str, text: str, client_id: str | None = None) -> BotTurn:
        """Rasa's answer to the child's message; `client_id` goes with it, so Rasa's stored turn can be found
        again (bot/store/rasa_events.py) if this process stops before it stores the answer."""
        message: dict[str, str | dict[str, str]] = {"sender": conversation_id, "message": text}
        if client_id:
            message["metadata"] = {"client_id": client_id}
        try:
            await asyncio.wait_for(self.line.acquire(), self.queue_seconds)
        except asyncio.TimeoutError:
            raise RasaUnavailable("busy: too many messages waiting for Rasa") from None
        try:
            response = await self.client.post("/webhooks/rest/webhook", json=message)
            response.raise_for_status()
            answers = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from error
        finally:
            self.line.release()
        return turn_from_answers(answers)

    async def close(self) -> None:
        await self.client.aclose()


def turn_from_answers(answers: list[dict]) -> BotTurn:
    """Rasa's REST channel answers as the web app's turn."""
    replies: list[BotReply] = []
    offers_person = False
    for answer in answers:
        if (answer.get("custom") or {}).get("handoff"):
            # Rasa sends a response's text, then its custom part: the text was the helpline offer,
            # which the web app replaces with its own live handoff.
            if replies:
                replies.pop()
            offers_person = True
        elif answer.get("text"):
            buttons = [
                {"title": b.get("title", ""), "payload": b.get("payload", "")} for b in answer.get("buttons") or []
            ]
            replies.append(BotReply(answer["text"], buttons))
    return BotTurn(replies, offers_person)

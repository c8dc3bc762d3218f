"""The children's WebSocket: the chat page's protocol, with its checks on what a child may send.

Page to server:  {"type": "hello", "conversation": id or null, "after": last seq seen}
                 {"type": "message", "id": a client id, "text": ..., "payload": a button's "/intent" or null}
                 (resent with the same id after a reconnect)
                 {"type": "human"}  {"type": "typing"}  {"type": "picture"}  (a pasted or dropped file)
Server to page:  {"type": "welcome", "conversation": id, "status": bot|waiting|active}, then every message after
                 "after"; {"type": "message", "seq", "speaker", "text", "buttons", ...}; {"type": "ack", "id", "seq"};
                 {"type": "typing", "speaker"}; {"type": "status", "status"}; {"type": "helplines", "items"};
                 {"type": "notice", "text", "refused": client id or null}
                 (a notice is not stored: a refusal, a request to slow down)
"""

import asyncio
import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from bot import settings
from bot.web.chat.recovery import fault_notices
from bot.web.core.conversations import helplines_event, new_conversation_id
from bot.web.core.hub import for_child
from bot.web.core.messages import render
from bot.web.service import ChatService

log = logging.getLogger(__name__)
# A conversation id is made by new_conversation_id: anything else is refused and a new one given.
MAX_ID_CHARS = 64
MAX_FRAME_CHARS = 16_000
BUTTON_PAYLOAD = re.compile(r"/[a-z_]{1,64}")
# Half of a surrogate pair: a page's length limit can cut an emoji in two, and JSON carries the half escaped.
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# The highest seq a database stores (a 32-bit integer column): a larger "after" means "seen them all".
MAX_SEQ = 2**31 - 1


class RateLimit:
    """At most `count` messages in any `seconds`: enough for fast typing, not for a flood."""

    def __init__(self, count: int, seconds: float):
        self.count, self.seconds = count, seconds
        self.sent: deque[float] = deque()

    def allow(self) -> bool:
        self._forget_old()
        if len(self.sent) >= self.count:
            return False
        self.sent.append(time.monotonic())
        return True

    def idle(self) -> bool:
        self._forget_old()
        return not self.sent

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self.sent and now - self.sent[0] > self.seconds:
            self.sent.popleft()


class RateLimits:
    """One limit per key (a conversation, or an address), so reconnecting does not reset it."""

    def __init__(self, count: Callable[[], int], seconds: Callable[[], float]):
        self.count, self.seconds = count, seconds
        self.limits: dict[str, RateLimit] = {}

    def for_key(self, key: str) -> RateLimit:
        if len(self.limits) > 10_000:
            self.limits = {known: limit for known, limit in self.limits.items() if not limit.idle()}
        return self.limits.setdefault(key, RateLimit(self.count(), self.seconds()))


PER_CONVERSATION = RateLimits(lambda: settings.RATE_MESSAGES, lambda: settings.RATE_WINDOW_SECONDS)
# Generous: a school, a youth club or a mobile network puts many children behind one address.
PER_ADDRESS = RateLimits(lambda: settings.RATE_IP_MESSAGES, lambda: settings.RATE_IP_WINDOW_SECONDS)


def _valid_id(value) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and value.replace("-", "").replace("_", "").isalnum():
        return value
    return None


def _seq(value) -> int:
    """A seq the page says it has seen; anything but a whole number (true and false are not) is 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


async def _notice(socket: WebSocket, name: str, refused: str | None = None) -> None:
    await socket.send_json({"type": "notice", "text": render(name), "refused": refused})


async def _hello(socket: WebSocket, service: ChatService) -> str:
    """Waits for the page's hello; answers with the conversation and everything the page has not seen."""
    event = await _receive(socket)
    conversation_id = _valid_id(event.get("conversation")) or new_conversation_id()
    after = min(max(0, _seq(event.get("after"))), MAX_SEQ)
    service.hub.add_child(conversation_id, socket)
    await socket.send_json(
        {
            "type": "welcome",
            "conversation": conversation_id,
            "status": await service.conversations.status(conversation_id),
        }
    )
    for message in await service.conversations.history(conversation_id, after):
        await socket.send_json(for_child(message))
    await socket.send_json(helplines_event(await service.conversations.region(conversation_id)))
    return conversation_id


async def _receive(socket: WebSocket) -> dict:
    """The next event; a binary frame (a file) or junk becomes a `picture` or an empty event."""
    frame = await socket.receive()
    if frame["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(frame.get("code", 1000))
    if frame.get("bytes") is not None:
        return {"type": "picture"}
    text = frame.get("text") or ""
    if len(text) > MAX_FRAME_CHARS:
        return {"type": "too_long", "id": None}
    try:
        event = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested too deep to decode
        return {}
    return event if isinstance(event, dict) else {}


async def serve_child(socket: WebSocket, service: ChatService) -> None:
    await socket.accept()
    conversation_id = None
    # One message at a time per connection, in order: the bot's answer to one comes before the next is read.
    try:
        conversation_id = await _hello(socket, service)
        limits = (
            PER_CONVERSATION.for_key(conversation_id),
            PER_ADDRESS.for_key(socket.client.host if socket.client else "unknown"),
        )
        while True:
            event = await _receive(socket)
            kind = event.get("type")
            if kind == "message":
                await _child_message(socket, service, conversation_id, event, limits)
            elif kind == "human":
                await service.handoff.child_asks_for_person(conversation_id)
            elif kind == "typing":
                await service.child_messages.typing(conversation_id)
            elif kind == "picture":
                await _notice(socket, "web_no_pictures")
            elif kind == "too_long":
                await _notice(socket, "web_too_long")
    except (WebSocketDisconnect, asyncio.CancelledError):
        pass
    except Exception:  # noqa: BLE001 - log without the message text; the page reconnects and resends
        log.exception("child connection failed")
    finally:
        if conversation_id:
            service.hub.remove_child(conversation_id, socket)


async def _child_message(socket, service, conversation_id, event, limits) -> None:
    client_id = _valid_id(event.get("id"))
    text = event.get("text")
    if client_id is None or not isinstance(text, str):
        return
    text = LONE_SURROGATE.sub("\ufffd", text.replace("\x00", "")).strip()
    if not text:
        await socket.send_json({"type": "ack", "id": client_id, "seq": None})
        return
    if len(text) > settings.MAX_MESSAGE_CHARS:
        await _notice(socket, "web_too_long", refused=client_id)
        return
    if not all(limit.allow() for limit in limits):
        await _notice(socket, "web_slow_down", refused=client_id)
        return
    payload = event.get("payload")
    # A quick-reply button sends its intent ("/request_human"); anything else typed is read as text.
    payload = payload if isinstance(payload, str) and BUTTON_PAYLOAD.fullmatch(payload) else None
    try:
        await service.child_messages.from_child(conversation_id, client_id, text, payload)
    except Exception:  # noqa: BLE001 - whatever broke (the database, a bug), the child still gets the numbers
        log.exception("a child's message could not be handled")
        for notice in fault_notices():
            await socket.send_json(notice)

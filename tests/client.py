"""Speaks the web app's WebSocket protocols as the chat page and the console do (for tests and benchmarks)."""

import asyncio
import json
import re
import uuid
from collections.abc import Callable

import httpx
from websockets.client import WebSocketClientProtocol, connect
from websockets.typing import Origin

WAIT_SECONDS = 30


def ws_url(web_url: str, path: str) -> str:
    return web_url.replace("http://", "ws://") + path


def csrf_of(page) -> str:
    """The CSRF token a page of the web app holds for its session (an httpx or a TestClient response)."""
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, f"no CSRF token on the page: {page.text[:500]}"
    return found.group(1)


def sign_in(http, name: str, password: str):
    """Signs a client (httpx or TestClient) in through the public sign-in form; the response to the POST."""
    return http.post("/login", data={"name": name, "password": password, "csrf": csrf_of(http.get("/login"))})


class EventSocket:
    """A WebSocket of JSON events, keeping every event it has read in `events`."""

    socket: WebSocketClientProtocol  # opened by __aenter__

    def __init__(self):
        self.events: list[dict] = []

    async def next_event(self, wanted: Callable[[dict], bool], timeout: float = WAIT_SECONDS) -> dict:
        """The next event matching `wanted`, keeping every event seen in `events`."""

        async def wait():
            while True:
                event = json.loads(await self.socket.recv())
                self.events.append(event)
                if wanted(event):
                    return event

        return await asyncio.wait_for(wait(), timeout)


class ChildPage(EventSocket):
    def __init__(self, web_url: str, conversation: str | None = None, after: int = 0):
        super().__init__()
        self.web_url, self.conversation, self.after = web_url, conversation, after

    async def __aenter__(self) -> "ChildPage":
        self.socket = await connect(ws_url(self.web_url, "/ws/chat"), origin=Origin(self.web_url))
        await self.socket.send(json.dumps({"type": "hello", "conversation": self.conversation, "after": self.after}))
        welcome = await self.next_event(lambda e: e["type"] == "welcome")
        self.conversation = welcome["conversation"]
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.socket.close()

    async def send(self, text: str, client_id: str | None = None, payload: str | None = None) -> str:
        client_id = client_id or uuid.uuid4().hex
        await self.socket.send(json.dumps({"type": "message", "id": client_id, "text": text, "payload": payload}))
        return client_id

    async def say(self, text: str) -> str:
        """Sends a message and returns once the bot's whole answer to it has come (the web app sends the
        helplines after the last reply; the page got one before too, after its welcome, hence the ack first)."""
        client_id = await self.send(text)
        await self.next_event(lambda e: e["type"] == "ack" and e["id"] == client_id)
        await self.next_event(lambda e: e["type"] == "helplines")
        return client_id

    async def send_event(self, event) -> None:
        await self.socket.send(event if isinstance(event, (bytes, str)) else json.dumps(event))

    async def bot_messages_until_quiet(self, quiet: float = 2.0) -> list[dict]:
        """The messages that arrive until none has come for `quiet` seconds (the bot's whole answer)."""
        messages: list[dict] = []
        while True:
            try:
                event = await self.next_event(lambda e: e["type"] == "message", timeout=quiet)
            except asyncio.TimeoutError:
                return messages
            messages.append(event)

    def texts(self, speaker: str | None = None) -> list[str]:
        return [e["text"] for e in self.events if e["type"] == "message" and speaker in (None, e["speaker"])]


class Console(EventSocket):
    """A signed-in counsellor: an HTTP client with the session cookie, and the console WebSocket."""

    def __init__(self, web_url: str, name: str):
        super().__init__()
        self.web_url, self.name = web_url, name
        self.http = httpx.Client(base_url=web_url, follow_redirects=False)

    def sign_in(self, password: str) -> httpx.Response:
        return sign_in(self.http, self.name, password)

    async def __aenter__(self) -> "Console":
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        self.socket = await connect(
            ws_url(self.web_url, "/ws/console"), origin=Origin(self.web_url), extra_headers={"Cookie": cookie}
        )
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.socket.close()
        self.http.close()

    async def send(self, **event) -> None:
        await self.socket.send(json.dumps(event))

    async def waiting_entry(self, conversation: str, timeout: float = WAIT_SECONDS) -> dict:
        """The queue's entry for a conversation, once a queue event lists it as waiting."""

        def entry(event):
            return next((w for w in event.get("waiting", ()) if w["conversation_id"] == conversation), None)

        return entry(await self.next_event(lambda e: e["type"] == "queue" and entry(e) is not None, timeout))

"""Fuzzing the children's chat WebSocket (Hypothesis), over real WebSockets against the running web app, Rasa
and database: whatever a client sends, the server keeps the connection, answers a bad frame the way the
protocol says (bot/web/chat/socket.py), goes on answering, and stores every message it accepted exactly once.

What the protocol promises for each kind of frame, mirrored by `expected_outcome`:
- a binary frame (a file): the "no pictures" notice;
- a text frame over MAX_FRAME_CHARS: the "too long" notice, nothing kept;
- a message whose text (NULs dropped, trimmed) is over MAX_MESSAGE_CHARS: the "too long" notice naming its id;
- a message with an empty text: an ack without a seq; with any other text: an ack with its seq, stored once
  (a resend with the same id is only acknowledged again), then the bot's answer;
- anything else (invalid JSON, JSON that is not an object, a message without a usable id or a text that is
  not a string, an unknown type): nothing at all, and the connection stays open.
A frame over the WebSocket's size limit (64 KiB, uvicorn's ws_max_size) is refused by the protocol layer
with close code 1009 ("message too big"), never 1011: the page reconnects and the conversation goes on.

Each example is a fresh conversation from its own address (X-Forwarded-For, as nginx sends it; uvicorn trusts
it from loopback), so the rate limits, which test_web_limits.py covers, never stand in the way.
"""

import asyncio
import itertools
import json
import uuid

import pytest
import websockets
from hypothesis import example, given, settings
from hypothesis import strategies as st
from websockets.client import WebSocketClientProtocol, connect
from websockets.typing import Origin

from bot import settings as bot_settings
from bot.store import transcript
from bot.store.db import make_engine, session_scope
from bot.web.chat.socket import MAX_FRAME_CHARS, MAX_ID_CHARS
from bot.web.core.messages import render
from tests.client import ws_url
from tests.e2e.fuzzing import FUZZ, LEAKS

Frame = str | bytes
WAIT = 60  # seconds for one answer; Rasa on 2 busy cores is slow, never this slow
WS_MAX_BYTES = 64 * 1024  # uvicorn's ws_max_size in bot/web/__main__.py
MAX_MESSAGE_CHARS = bot_settings.MAX_MESSAGE_CHARS
# A message to a child also never shows "Error:", which a web page may hold in its own words.
CHAT_LEAKS = (*LEAKS, "Error:")
_addresses = itertools.count(1)


def _valid_id(value) -> str | None:
    """The protocol's rule for a client or conversation id (child_socket._valid_id, restated)."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and value.replace("-", "").replace("_", "").isalnum():
        return value
    return None


def _as_stored(text: str) -> str:
    """What is kept of an accepted text: NULs dropped, trimmed, a lone surrogate (half an emoji) replaced."""
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text.replace("\x00", "").strip())


def expected_outcome(frame: Frame) -> tuple[str, str | None, str | None]:
    """(what the server does, the client id, the text) for one frame sent after the hello.

    what: "no_pictures" | "too_long" | "ack_empty" | "accepted" | "silent"
    """
    if isinstance(frame, bytes):
        return "no_pictures", None, None
    if len(frame) > MAX_FRAME_CHARS:
        return "too_long", None, None
    try:
        event = json.loads(frame)
    except (ValueError, RecursionError):
        return "silent", None, None
    if not isinstance(event, dict):
        return "silent", None, None
    kind = event.get("type")
    if kind == "picture":
        return "no_pictures", None, None
    if kind == "too_long":
        return "too_long", None, None
    if kind != "message":
        return "silent", None, None
    client_id, text = _valid_id(event.get("id")), event.get("text")
    if client_id is None or not isinstance(text, str):
        return "silent", None, None
    text = text.replace("\x00", "").strip()
    if not text:
        return "ack_empty", client_id, None
    if len(text) > MAX_MESSAGE_CHARS:
        return "too_long_refused", client_id, None
    return "accepted", client_id, _as_stored(text)


# ---------------------------------------------------------------------------------------------- strategies
SPECIAL_TEXTS = [
    "\u202eevil\u202c",
    "مرحبا، أحتاج مساعدة",
    "שלום",
    "😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈",
    "\u200b",
    "\u200b\u200c\u200d\ufeff",
    "a\u0301\u0301\u0301",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} %s%n",
    "'; DROP TABLE messages; --",
    "\x00",
    "\x00\x00hi\x00",
    "line\r\nbreak",
    "\x1b[31mred",
    "\ud800",
    "a\udfffb",
    "😀"[:1] + "\ud83d",
    " \t\n ",
    "\u3000",
    "hi",
    "he is asking for money",
    "/request_human",
]


def _texts():
    return st.one_of(
        st.sampled_from(SPECIAL_TEXTS),
        st.text(st.characters(exclude_categories=()), max_size=40),  # any code point, surrogates too
        st.lists(st.sampled_from(SPECIAL_TEXTS), min_size=1, max_size=5).map("".join),
        # near the message size limit, in one- to four-byte characters
        st.builds(
            lambda ch, n: ch * n,
            st.sampled_from(["a", "é", "中", "😀", " x", "\x00"]),
            st.integers(MAX_MESSAGE_CHARS - 3, MAX_MESSAGE_CHARS + 3),
        ),
    )


def _junk_json():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10))
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
        max_leaves=12,
    )


_ids = st.one_of(
    st.uuids().map(lambda u: u.hex),
    st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=MAX_ID_CHARS).map(lambda s: "u" + s[1:]),
    st.text(max_size=70),
    st.integers(),
    st.none(),
    st.lists(st.integers(), max_size=3),
)


def _dump(event, ascii_only: bool) -> str:
    text = json.dumps(event, ensure_ascii=ascii_only)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate can only travel escaped, as browsers' JSON.stringify does
        return json.dumps(event)
    return text


def _frames():
    wrong_message = st.fixed_dictionaries(
        {"type": st.just("message")},
        optional={
            "id": _ids,
            "text": st.one_of(_texts(), _junk_json()),
            "payload": _junk_json(),
            "extra": _junk_json(),
        },
    )
    wrong_types = st.fixed_dictionaries(
        {
            "type": st.one_of(
                st.sampled_from(
                    ["hello", "typing", "picture", "too_long", "ack", "welcome", "MESSAGE", "", "message "]
                ),
                _junk_json(),
            )
        },
        optional={"conversation": _junk_json(), "id": _ids, "text": _texts()},
    )
    nested = st.builds(
        lambda depth, kind: "[" * depth + "]" * depth if kind == "list" else '{"a":' * depth + "1" + "}" * depth,
        st.integers(1, MAX_FRAME_CHARS // 2),
        st.sampled_from(["list", "dict"]),
    )
    huge_array = st.integers(100, 3000).map(lambda n: json.dumps({"type": "message", "id": "big", "text": [0] * n}))
    return st.one_of(
        st.builds(_dump, st.one_of(wrong_message, wrong_types, _junk_json()), st.booleans()),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=60),  # not JSON at all, or by chance
        st.sampled_from(
            [
                "<script>alert(1)</script>",
                "{",
                '{"type": "message", "id": "x", "text": "hi"',
                "null",
                "[]",
                '"message"',
                "NaN",
                "1e999",
                '{"type": "message", "type": "picture"}',
                "\ufeff{}",
                '{"\\ud800": 1}',
            ]
        ),
        nested,
        huge_array,
        st.binary(max_size=2000),
        st.integers(MAX_FRAME_CHARS - 2, MAX_FRAME_CHARS + 2).map(lambda n: "x" * n),  # around the frame limit
        st.integers(MAX_FRAME_CHARS - 40, MAX_FRAME_CHARS + 40).map(  # a well-formed message around it
            lambda n: json.dumps({"type": "message", "id": "long", "text": "y" * (n - 42)})
        ),
    )


def _accepted_message():
    """A message the server must accept, store and answer (sometimes resent with the same id)."""
    return st.builds(
        lambda client_id, text, payload, ascii_only: _dump(
            {"type": "message", "id": client_id, "text": text, "payload": payload}, ascii_only
        ),
        st.uuids().map(lambda u: u.hex[:16]),
        _texts(),
        st.one_of(st.none(), st.just("/greet"), _junk_json()),
        st.booleans(),
    )


# ---------------------------------------------------------------------------------------------- the client
class Child:
    """One chat page's WebSocket, keeping every event the server sent."""

    socket: WebSocketClientProtocol  # opened by connect()

    def __init__(self, web_url: str):
        self.web_url = web_url
        self.events: list[dict] = []
        self.conversation: str | None = None
        number = next(_addresses)
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"

    async def connect(self, hello: Frame) -> dict:
        self.socket = await connect(
            ws_url(self.web_url, "/ws/chat"),
            origin=Origin(self.web_url),
            max_size=None,
            extra_headers={"X-Forwarded-For": self.address},
        )
        await self.socket.send(hello)
        welcome = await self.until(lambda e: e["type"] == "welcome")
        self.conversation = welcome["conversation"]
        await self.until(lambda e: e["type"] == "helplines")
        return welcome

    async def until(self, wanted) -> dict:
        async def read():
            while True:
                raw = await self.socket.recv()
                assert isinstance(raw, str), "the server only sends text frames"
                event = json.loads(raw)
                self.events.append(event)
                if wanted(event):
                    return event

        return await asyncio.wait_for(read(), WAIT)

    async def answered(self, text: str = "hi") -> list[dict]:
        """Sends a normal message; returns the events up to its ack and the end of the bot's answer to it."""
        client_id = "final" + uuid.uuid4().hex[:10]
        start = len(self.events)
        await self.socket.send(json.dumps({"type": "message", "id": client_id, "text": text, "payload": None}))
        ack = await self.until(lambda e: e["type"] == "ack" and e["id"] == client_id)
        assert isinstance(ack["seq"], int)
        after_ack = len(self.events)
        await self.until(lambda e: e["type"] == "helplines")  # sent after the bot's last reply
        replies = [e for e in self.events[after_ack:] if e["type"] == "message"]
        assert replies and all(r["speaker"] == "bot" for r in replies), self.events[after_ack:]
        assert render("web_bot_unavailable") not in [r["text"] for r in replies], "Rasa's answer, not the stand-in"
        return self.events[start:]

    async def close(self) -> None:
        await self.socket.close()


def stored_child_messages(database_url: str, conversation: str) -> list[tuple[str | None, str]]:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return [
                (m.client_id, m.text) for m in transcript.messages_after(session, conversation) if m.speaker == "child"
            ]
    finally:
        engine.dispose()


def assert_nothing_leaks(events: list[dict]) -> None:
    for event in events:
        if event.get("speaker") == "child":
            continue  # the child's own words, from the history
        sent = json.dumps(event, ensure_ascii=False)
        for leak in CHAT_LEAKS:
            assert leak not in sent, (leak, event)


def check_conversation(assistant, web_url: str, frames: list[Frame]) -> None:
    """Sends `frames` after the hello, then a normal message; checks every property of the module docstring."""

    async def talk():
        child = Child(web_url)
        await child.connect(json.dumps({"type": "hello", "conversation": None, "after": 0}))
        start = len(child.events)
        for frame in frames:
            await child.socket.send(frame)
        await child.answered("hi")
        await child.close()
        return child, child.events[start:]

    child, events = asyncio.run(talk())
    assert_nothing_leaks(child.events)

    final_ack = max(i for i, e in enumerate(events) if e["type"] == "ack")
    before = events[:final_ack]
    notices = [(e["text"], e["refused"]) for e in before if e["type"] == "notice"]
    acks = [(e["id"], e["seq"]) for e in before if e["type"] == "ack"]
    expected_notices: list[tuple[str, str | None]] = []
    expected_acks: list[tuple[str | None, str | None]] = []
    expected_stored: list[tuple[str | None, str | None]] = []
    seen: set[str | None] = set()
    for frame in frames:
        what, client_id, text = expected_outcome(frame)
        if what == "no_pictures":
            expected_notices.append((render("web_no_pictures"), None))
        elif what == "too_long":
            expected_notices.append((render("web_too_long"), None))
        elif what == "too_long_refused":
            expected_notices.append((render("web_too_long"), client_id))
        elif what == "ack_empty":
            expected_acks.append((client_id, None))
        elif what == "accepted":
            if client_id not in seen:  # a resend of a stored message is only acknowledged again
                seen.add(client_id)
                expected_stored.append((client_id, text))
            expected_acks.append((client_id, "seq"))
    assert notices == expected_notices, (frames, events)
    assert [client_id for client_id, _ in acks] == [client_id for client_id, _ in expected_acks], (frames, events)
    first_seq: dict[str | None, int] = {}
    for (client_id, seq), (_, wanted) in zip(acks, expected_acks, strict=True):
        if wanted is None:
            assert seq is None
        else:  # a resend of a stored message is acknowledged with its first seq
            assert isinstance(seq, int) and first_seq.setdefault(client_id, seq) == seq, (frames, events)
    stored = stored_child_messages(assistant.database_url, child.conversation)
    assert stored[:-1] == expected_stored, (frames, stored)  # every accepted message, once, in order
    final_id, final_text = stored[-1]
    assert final_id is not None and final_id.startswith("final") and final_text == "hi"


# ---------------------------------------------------------------------------------------------- the tests
@settings(FUZZ, max_examples=40)
@given(frames=st.lists(_frames(), min_size=1, max_size=4))
@example(frames=["[" * 5000 + "]" * 5000])  # nesting deeper than Python's JSON decoder goes
@example(frames=[b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000, "x" * (MAX_FRAME_CHARS + 1), "x" * MAX_FRAME_CHARS])
@example(
    frames=[
        json.dumps({"type": "message", "id": "a", "text": 7}),
        json.dumps({"type": "message", "id": "b" * (MAX_ID_CHARS + 1), "text": "hi"}),
        json.dumps({"type": "message", "id": "c", "text": "y" * (MAX_MESSAGE_CHARS + 1)}),
    ]
)
def test_bad_frames_get_their_kind_answer_and_the_chat_goes_on(assistant, web_url, frames):
    check_conversation(assistant, web_url, frames)


@settings(FUZZ, max_examples=20)
@given(messages=st.lists(_accepted_message(), min_size=1, max_size=2), resend=st.booleans())
@example(messages=[json.dumps({"type": "message", "id": "half-emoji", "text": "I am scared \ud83d"})], resend=True)
@example(
    messages=[
        json.dumps({"type": "message", "id": "m1", "text": "😀" * MAX_MESSAGE_CHARS}, ensure_ascii=False),
        json.dumps({"type": "message", "id": "m2", "text": " \x00" + "é" * MAX_MESSAGE_CHARS + "\x00 "}),
    ],
    resend=False,
)
def test_any_text_a_child_sends_is_stored_once_and_answered(assistant, web_url, messages, resend):
    frames = messages + messages[:1] if resend else messages
    check_conversation(assistant, web_url, frames)


@settings(FUZZ, max_examples=15)
@given(
    first=st.one_of(
        st.builds(
            lambda conversation, after: {"type": "hello", "conversation": conversation, "after": after},
            st.one_of(_junk_json(), _ids),
            st.one_of(st.integers(), st.integers(min_value=2**31), _junk_json()),
        ),
        _junk_json(),
    ),
    as_text=st.booleans(),
)
@example(first={"type": "hello", "conversation": None, "after": True}, as_text=True)
@example(first={"type": "hello", "conversation": None, "after": 2**70}, as_text=True)
@example(first={"type": "hello", "conversation": None, "after": -(2**70)}, as_text=True)
@example(first={"type": "hello", "conversation": "é" * 10, "after": 1.5}, as_text=True)
def test_any_first_frame_opens_a_chat_that_answers(assistant, web_url, first, as_text):
    """The hello may be anything: the child still gets a conversation (theirs if its id is a valid one)."""
    unique = uuid.uuid4().hex[:12]
    if isinstance(first, dict) and isinstance(first.get("conversation"), str):
        first = {**first, "conversation": unique + first["conversation"]}  # never another example's chat
    hello = _dump(first, True).encode() if not as_text else _dump(first, True)

    async def talk():
        child = Child(web_url)
        welcome = await child.connect(hello)
        await child.answered("hi")
        await child.close()
        return child, welcome

    child, welcome = asyncio.run(talk())
    assert_nothing_leaks(child.events)
    asked = first.get("conversation") if isinstance(first, dict) and as_text else None
    if _valid_id(asked):
        assert welcome["conversation"] == asked
    else:
        assert _valid_id(welcome["conversation"]) and len(welcome["conversation"]) == 24
    assert welcome["status"] == "bot"
    assert stored_child_messages(assistant.database_url, child.conversation)[-1][1] == "hi"


@pytest.mark.parametrize("size", [WS_MAX_BYTES + 1, 4 * WS_MAX_BYTES])
def test_a_frame_over_the_socket_limit_is_refused_and_the_chat_goes_on_after_reconnecting(assistant, web_url, size):
    async def talk():
        child = Child(web_url)
        await child.connect(json.dumps({"type": "hello", "conversation": None, "after": 0}))
        await child.answered("hi")
        await child.socket.send(json.dumps({"type": "message", "id": "huge", "text": "z" * size}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await child.until(lambda e: False)
        # the page reconnects to the same conversation, having seen everything so far
        again = Child(web_url)
        seen = max(e["seq"] for e in child.events if e.get("seq"))
        welcome = await again.connect(json.dumps({"type": "hello", "conversation": child.conversation, "after": seen}))
        await again.answered("thanks")
        await again.close()
        return child, closed.value, welcome, again

    child, closed, welcome, again = asyncio.run(talk())
    assert closed.code == 1009  # "message too big", never 1011 (an internal error) or 1006 (a dropped line)
    assert welcome["conversation"] == child.conversation
    assert not [e for e in again.events if e["type"] == "message" and e["speaker"] == "child"]
    assert [text for _, text in stored_child_messages(assistant.database_url, child.conversation)] == ["hi", "thanks"]

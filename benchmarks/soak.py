"""`make soak`: many child conversations through the web app for minutes; every message stored and answered once.

Each conversation opens the chat page's WebSocket (bot/web/chat/socket.py) and keeps sending a varied mix of what
children type (ordinary questions, slang and misspellings, their age or country, now and then a risk message that
queues a handoff, or asking for a person), waiting for the bot's whole answer before the next. A few conversations
close the page and reopen the same conversation now and then, as a dropped connection does: between messages,
after the message was acknowledged but before the answer, and before the acknowledgement (the page then resends it
with the same id, as the real page does).

At the end it reads the database the web app writes (the `messages` transcript, and Rasa's `events` in the same
database) and checks, for every conversation: each message sent is stored exactly once, in the order sent, with its
text; each got an answer (bot messages before the next child message); Rasa processed each exactly once (no
duplicated answer); every message stored was delivered to the page. It prints the counts, reply latency
p50/p95/p99 and the web app's memory (RSS) at the start and end, and exits non-zero if a message was lost,
duplicated or left unanswered.

`python -m benchmarks.soak --minutes 10 --conversations 50` starts its own Rasa, action server and web app on a
throwaway SQLite database (ports 5605, 5655, 8605). `soak()` runs against a web app that is already running
(tests/e2e/test_soak.py).
"""

import argparse
import asyncio
import contextlib
import difflib
import json
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from websockets.client import connect
from websockets.typing import Origin

from bot.store.db import make_engine
from bot.store.models import Message, Speaker
from bot.web.core.messages import responses as web_responses
from tests.client import ChildPage, ws_url

# What children type, in their own words (written for this soak, not copied from the training or test sets).
ORDINARY = [
    "hi",
    "hello",
    "hey can u help me",
    "someone has my pics and says he will send them to everyone",
    "a guy i met online wants money or he will post my photos",
    "should i pay him",
    "he says pay or else",
    "i already paid him and he wants more",
    "he wants more pictures now",
    "is it my fault",
    "will i get in trouble with the police",
    "how do i report him",
    "can the photos be taken off the internet",
    "should i block him",
    "should i delete the messages",
    "im scared to tell my mum",
    "how do i tell my dad",
    "who can i call",
    "is this anonymous",
    "what is sextortion",
    "my friend is being blackmailed with her pics",
    "thank you",
    "ok",
    "yes",
    "no",
    "are you a real person",
    "what should i do",
    "he sent them to my friend already",
    "i feel so stupid",
    "i am really scared",
    "he said he will tell my school",
    "can you help me tell someone",
    "what happens if i report it",
    "he made a fake account",
    "bye",
]
SLANG = [
    "hes gona post my nudes",
    "wat do i do",
    "shud i pay him",
    "he sed hed send em to my mates",
    "pls help",
    "im sooo scared rn",
    "idk wat to do",
    "cn u help me",
    "he got my pics off snap",
    "tbh i feel sick",
    "ty",
    "k",
    "ya",
    "nah",
    "how do i blok him on insta",
    "will my parnts find out",
    "is it my falt",
    "hes askin for £100 on a gift card",
    "he keeps messagin me",
    "can i get the pic deleted off tiktok",
    "omg he posted it",
    "am i gonna get arrested",
    "wot is ceop",
    "thx",
]
PROFILE = [
    "im 14",
    "i'm 11",
    "im 16",
    "i am 19",
    "i live in the uk",
    "im from ireland",
    "im in america",
    "i live in australia",
    "canada",
]
# Risk: the web app queues a handoff for high and imminent risk before Rasa answers; nobody is signed in to a
# console here, so the child is told so with the numbers to call, and the bot keeps helping.
RISK = [
    "i want to kill myself",
    "gonna kms tonight",
    "i dont want to be alive anymore",
    "i took a load of tabs",
    "hes outside my house rn",
    "i cant cope with this anymore",
    "i want to hurt myself",
]
AFTER_RISK = [
    "ok",
    "im safe now",
    "i will call childline",
    "im at home with my mum",
    "thank you",
    "im ok now",
    "i dont want to talk about it",
    "what do i do now",
]
ASK_PERSON = ["can i talk to a real person", "i want to talk to someone real"]

ANSWER_TIMEOUT = 60.0  # the web app answers within Rasa's 20 s timeout or with its own safety message
QUIET_SECONDS = 1.5  # after a reconnect: the answer is complete when nothing more came for this long
RECONNECT_MODES = ("between", "acked", "unacked")


# ---------------------------------------------------------------------------------------------- what happened
@dataclass
class Sent:
    client_id: str
    text: str
    kind: str
    reconnect: str | None = None  # how the page was closed and reopened around this message
    started: float = 0.0
    seq: int | None = None  # from the acknowledgement
    latency: float | None = None  # send to the answer's end (the helplines event), normal exchanges only
    answered: bool = False  # the page saw the answer
    refused: int = 0  # "slow down" notices (not stored; resent)
    transmitted: bool = False


@dataclass
class ConversationLog:
    index: int
    address: str | None
    conversation: str | None = None
    sent: list[Sent] = field(default_factory=list)
    seen: dict[int, dict] = field(default_factory=dict)  # seq -> the message event the page got
    delivered_twice: int = 0  # the same seq sent to the page again (harmless: the page shows it once)
    stray_helplines: int = 0  # an answer's end when none was awaited
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)
    last_ack: int = 0

    @property
    def last_seq(self) -> int:
        """The `after` the page reconnects with: the highest message number shown or acknowledged (as chat.js)."""
        return max(max(self.seen, default=0), self.last_ack)


class SoakPage(ChildPage):
    """The chat page, connecting from its own loopback address when given one (each child its own address)."""

    def __init__(
        self,
        web_url: str,
        conversation: str | None = None,
        after: int = 0,
        address: str | None = None,
        record=None,
    ):
        super().__init__(web_url, conversation, after)
        self.address, self.record = address, record

    async def __aenter__(self) -> "SoakPage":
        self.socket = await connect(
            ws_url(self.web_url, "/ws/chat"),
            origin=Origin(self.web_url),
            open_timeout=30,
            close_timeout=5,
            max_queue=None,
            local_addr=(self.address, 0) if self.address else None,  # None: the system picks, as by default
        )
        await self.socket.send(json.dumps({"type": "hello", "conversation": self.conversation, "after": self.after}))
        welcome = await asyncio.wait_for(self._welcome(), 30)
        self.conversation = welcome["conversation"]
        return self

    async def _welcome(self) -> dict:
        # the web app registers the page before it welcomes it: a reply still being sent may come first
        while True:
            event = json.loads(await self.socket.recv())
            if event["type"] == "welcome":
                return event
            if self.record:
                self.record(event)


# ---------------------------------------------------------------------------------------------- one child
class Child:
    def __init__(
        self,
        web_url: str,
        log: ConversationLog,
        rng: random.Random,
        deadline: float,
        reconnects: bool,
        min_interval: float,
        think: tuple[float, float],
    ):
        self.web_url, self.log, self.rng, self.deadline = web_url, log, rng, deadline
        self.reconnects, self.min_interval, self.think = reconnects, min_interval, think
        self.page: SoakPage | None = None
        self.risks = 0
        self.last_kind = "ordinary"
        self.next_reconnect = rng.randint(1, 4)
        self.last_send = 0.0

    # -- the page
    async def open(self) -> None:
        self.page = SoakPage(self.web_url, self.log.conversation, self.log.last_seq, self.log.address, self.record)
        await self.page.__aenter__()
        self.log.conversation = self.page.conversation
        # then what the page missed, and the region's helplines, which end every (re)connection's greeting
        while (await self.read(30))["type"] != "helplines":
            pass

    async def close(self) -> None:
        if self.page is not None:
            with contextlib.suppress(Exception):  # a page that is already gone
                await self.page.socket.close()
            self.page = None

    async def reopen(self) -> None:
        await self.close()
        self.log.reconnects += 1
        await self.open()

    async def read(self, timeout: float) -> dict:
        """The next event, recording every message the page is shown."""
        assert self.page is not None, "open() first"
        return self.record(json.loads(await asyncio.wait_for(self.page.socket.recv(), timeout)))

    def record(self, event: dict) -> dict:
        if event.get("type") == "ack" and isinstance(event.get("seq"), int):
            self.log.last_ack = max(self.log.last_ack, event["seq"])
        if event.get("type") == "message":
            if event["seq"] in self.log.seen:
                self.log.delivered_twice += 1
            else:
                self.log.seen[event["seq"]] = event
        return event

    async def send(self, item: Sent) -> None:
        item.transmitted = True
        self.last_send = time.monotonic()
        assert self.page is not None, "open() first"
        await self.page.send(item.text, client_id=item.client_id)

    # -- what to say
    def pick(self) -> tuple[str, str]:
        roll = self.rng.random()
        if self.last_kind == "risk":
            return "after_risk", self.rng.choice(AFTER_RISK)
        if roll < 0.02 and self.risks < 3:
            self.risks += 1
            return "risk", self.rng.choice(RISK)
        if roll < 0.03:
            return "ask_person", self.rng.choice(ASK_PERSON)
        if roll < 0.08:
            return "profile", self.rng.choice(PROFILE)
        if roll < 0.38:
            return "slang", self.rng.choice(SLANG)
        return "ordinary", self.rng.choice(ORDINARY)

    def reconnect_mode(self, kind: str) -> str | None:
        """Some conversations drop their connection now and then, only around ordinary turns: after a risk
        message the web app is still telling the child about the handoff when the answer's end has come."""
        if not self.reconnects or kind not in ("ordinary", "slang") or self.last_kind not in ("ordinary", "slang"):
            return None
        self.next_reconnect -= 1
        if self.next_reconnect > 0:
            return None
        self.next_reconnect = self.rng.randint(4, 10)
        return RECONNECT_MODES[(self.log.index + self.log.reconnects) % len(RECONNECT_MODES)]

    # -- the conversation
    async def run(self) -> None:
        try:
            await self.open()
        except Exception as error:  # noqa: BLE001
            self.log.errors.append(f"could not open the page: {type(error).__name__}")
            return
        try:
            while time.monotonic() < self.deadline:
                await asyncio.sleep(
                    max(self.rng.uniform(*self.think), self.min_interval - (time.monotonic() - self.last_send))
                )
                if time.monotonic() >= self.deadline:
                    break
                kind, text = self.pick()
                item = Sent(uuid.uuid4().hex, text, kind, self.reconnect_mode(kind))
                self.log.sent.append(item)
                try:
                    await self.exchange(item)
                except Exception as error:  # noqa: BLE001 - a timeout or a dropped connection: recover as a page does
                    self.log.errors.append(f"message {len(self.log.sent)}: {type(error).__name__} {error}"[:200])
                    await self.recover(item)
                self.last_kind = kind
            await self.drain()
        finally:
            await self.close()

    async def exchange(self, item: Sent) -> None:
        if item.reconnect == "between":
            await self.reopen()
        item.started = time.perf_counter()
        await self.send(item)
        if item.reconnect == "unacked":
            await self.reopen()
            await self.send(item)  # the page resends what was not acknowledged, with the same id
            await self.await_answer(item, quiet_allowed=True)
            return
        if item.reconnect == "acked":
            while item.seq is None:
                await self.handle(await self.read(ANSWER_TIMEOUT), item)
            await self.reopen()
            await self.await_answer(item, quiet_allowed=True)
            return
        await self.await_answer(item, quiet_allowed=False)
        if item.answered and item.reconnect is None:
            item.latency = time.perf_counter() - item.started

    async def handle(self, event: dict, item: Sent) -> str | None:
        """Applies one event to the message awaiting its answer; returns "end" at the answer's end."""
        kind = event.get("type")
        if kind == "ack" and event.get("id") == item.client_id and event.get("seq") is not None:
            item.seq = event["seq"]
        elif kind == "notice" and event.get("refused") == item.client_id:
            item.refused += 1  # "slow down": the page puts the words back; the child sends them again a bit later
            await asyncio.sleep(1.5)
            await self.send(item)
        elif kind == "notice" and event.get("refused") is None:
            self.log.errors.append("the web app could not handle a message (safety notice)")
        elif kind == "helplines":
            if item.seq is not None:
                return "end"
            self.log.stray_helplines += 1
        return None

    def answer_seen(self, item: Sent) -> bool:
        return item.seq is not None and any(
            seq > item.seq and e["speaker"] != "child" for seq, e in self.log.seen.items()
        )

    async def await_answer(self, item: Sent, quiet_allowed: bool) -> None:
        """Until the answer's end: the helplines event the web app sends after the bot's last reply.

        After a reconnect (`quiet_allowed`) the answer may come in the history the page is sent, live from the
        connection that was closed, or both, and a helplines event comes with every (re)connection: there the
        end is the acknowledgement and a reply after it, then nothing more for QUIET_SECONDS."""
        limit = time.monotonic() + ANSWER_TIMEOUT
        while True:
            remaining = limit - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError("no answer")
            try:
                event = await self.read(min(remaining, QUIET_SECONDS) if quiet_allowed else remaining)
            except asyncio.TimeoutError:
                if quiet_allowed and self.answer_seen(item):
                    item.answered = True
                    return
                continue
            if quiet_allowed and event.get("type") == "helplines":
                continue
            if await self.handle(event, item) == "end":
                item.answered = True
                return

    async def recover(self, item: Sent) -> None:
        """Reopens the page after an error, resends the message if it was never acknowledged, awaits the answer."""
        for _ in range(3):
            try:
                await self.reopen()
                if item.seq is None:
                    await self.send(item)
                await self.await_answer(item, quiet_allowed=True)
                return
            except Exception as error:  # noqa: BLE001
                self.log.errors.append(f"recovering: {type(error).__name__}")
                await asyncio.sleep(2)

    async def drain(self) -> None:
        """Reads what is still coming (a handoff notice after the last answer) until quiet."""
        while True:
            try:
                event = await self.read(QUIET_SECONDS)
            except asyncio.TimeoutError:
                return
            except Exception:  # noqa: BLE001
                return
            if event.get("type") == "helplines":
                self.log.stray_helplines += 1


# ---------------------------------------------------------------------------------------------- memory
def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def sample_rss(pid: int, samples: list[tuple[float, float]], every: float, stop: asyncio.Event) -> None:
    started = time.monotonic()
    while True:
        value = rss_mb(pid)
        if value is not None:
            samples.append((time.monotonic() - started, value))
        try:
            await asyncio.wait_for(stop.wait(), every)
            return
        except asyncio.TimeoutError:
            continue


def memory_summary(samples: Sequence[tuple[float, float]]) -> dict:
    """Start and end RSS, and whether it kept growing: the last quarter's median above the second quarter's
    (after warming up) by more than 10% and 20 MB."""
    if len(samples) < 4:
        return {
            "start": samples[0][1] if samples else None,
            "end": samples[-1][1] if samples else None,
            "peak": max((s[1] for s in samples), default=None),
            "kept_growing": False,
        }
    values = [value for _, value in samples]
    quarter = len(values) // 4

    def median(part):
        part = sorted(part)
        return part[len(part) // 2]

    warm, last = median(values[quarter : 2 * quarter] or values[:1]), median(values[3 * quarter :])
    return {
        "start": values[0],
        "warm": warm,
        "end": values[-1],
        "peak": max(values),
        "kept_growing": last > warm * 1.10 and last - warm > 20,
    }


# ---------------------------------------------------------------------------------------------- the web app's log
LOG_SIGNS = {
    "rasa_timeouts": "Rasa unavailable",  # the child got the web app's safety message instead of Rasa's answer
    "not_handled": "could not be handled",
    "connection_failed": "child connection failed",
    "tracebacks": "Traceback",
}


def log_size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path else 0
    except OSError:
        return 0


def log_signs(path: Path | None, offset: int) -> Counter:
    """What the web app logged during the soak (from `offset` on): Rasa time-outs, failed messages, tracebacks."""
    found: Counter[str] = Counter()
    if not path:
        return found
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return found
    for key, sign in LOG_SIGNS.items():
        found[key] = text.count(sign)
    return found


# ---------------------------------------------------------------------------------------------- the store
# What the web app says itself when Rasa does not answer in time (bot/content/web_messages.yml, as shipped).
SAFETY_TEXTS = {variant["text"] for variant in web_responses()["web_bot_unavailable"]}


def _stored(database_url: str, conversations: list[str]):
    """The transcript of each conversation, and the texts of the user messages Rasa processed, both in order."""
    engine = make_engine(database_url)
    transcripts, rasa = defaultdict(list), defaultdict(list)
    try:
        with engine.connect() as connection:
            for start in range(0, len(conversations), 200):
                chunk = conversations[start : start + 200]
                rows = connection.execute(
                    sa.select(Message.conversation_id, Message.seq, Message.speaker, Message.text, Message.client_id)
                    .where(Message.conversation_id.in_(chunk))
                    .order_by(Message.conversation_id, Message.seq)
                )
                for conversation, seq, speaker, text, client_id in rows:
                    transcripts[conversation].append((seq, Speaker(speaker).value, text, client_id))
                events = connection.execute(
                    sa.text(
                        "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id IN :ids ORDER BY id"
                    ).bindparams(sa.bindparam("ids", expanding=True)),
                    {"ids": chunk},
                )
                for sender, data in events:
                    rasa[sender].append(json.loads(data).get("text"))
    finally:
        engine.dispose()
    return transcripts, rasa


def check(database_url: str, logs: list[ConversationLog]) -> dict:
    """Everything sent against what is stored: counts and the first few problems found."""
    conversations = [log.conversation for log in logs if log.conversation]
    transcripts, rasa = _stored(database_url, conversations)
    totals: Counter[str] = Counter()
    problems: list[str] = []
    notes: list[str] = []

    def problem(text: str) -> None:
        if len(problems) < 30:
            problems.append(text)

    def note(text: str) -> None:
        if len(notes) < 10:
            notes.append(text)

    for log in logs:
        if not log.conversation:
            continue
        name = f"conversation {log.index} ({log.conversation[:8]})"
        rows = transcripts.get(log.conversation, [])
        sent = [item for item in log.sent if item.transmitted]
        totals["sent"] += len(sent)
        children = [row for row in rows if row[1] == "child"]
        by_id = defaultdict(list)
        for row in children:
            by_id[row[3]].append(row)
        sent_ids = {item.client_id for item in sent}
        for item in sent:
            found = by_id.get(item.client_id, [])
            if not found:
                totals["lost"] += 1
                problem(f"{name}: {item.kind} message {item.text!r} ({item.reconnect or 'no reconnect'}) not stored")
                continue
            totals["stored"] += 1
            if len(found) > 1:
                totals["duplicated"] += len(found) - 1
                problem(f"{name}: {item.text!r} stored {len(found)} times")
            if found[0][2] != item.text:
                totals["altered"] += 1
                problem(f"{name}: stored {found[0][2]!r} for {item.text!r}")
            if item.seq is not None and item.seq != found[0][0]:
                totals["ack_mismatch"] += 1
                problem(f"{name}: acknowledged as {item.seq}, stored as {found[0][0]}")
            if item.answered:
                totals["answered_on_page"] += 1
            else:
                totals["not_answered_on_page"] += 1
                problem(f"{name}: the page never saw the answer to {item.text!r} ({item.reconnect or 'no reconnect'})")
        for row in children:
            if row[3] not in sent_ids:
                totals["duplicated"] += 1
                problem(f"{name}: a child message nobody sent is stored: seq {row[0]} {row[2]!r}")
        stored_order = [row[3] for row in children if row[3] in sent_ids]
        sent_order = [item.client_id for item in sent if item.client_id in by_id]
        if stored_order != sent_order:
            totals["out_of_order"] += 1
            problem(f"{name}: child messages stored in another order than sent")

        # Rasa processed each child message exactly once (the web app never sent one twice). One it never
        # processed had the web app's safety message for an answer: Rasa took longer than the web app waits
        # (bot/web/core/rasa.py REPLY_TIMEOUT_SECONDS) and dropped the request when the web app gave up on it.
        child_texts = [row[2] for row in children]
        in_rasa: set[int] = set()
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
            None, child_texts, rasa.get(log.conversation, []), autojunk=False
        ).get_opcodes():
            if tag == "equal":
                in_rasa.update(range(i1, i2))
            if tag in ("insert", "replace") and j2 - j1 > i2 - i1:
                totals["rasa_twice"] += (j2 - j1) - (i2 - i1)
                problem(f"{name}: Rasa processed {rasa[log.conversation][j1:j2]!r} more often than stored")
            if tag in ("delete", "replace") and i2 - i1 > j2 - j1:
                totals["rasa_never"] += (i2 - i1) - (j2 - j1)
                note(f"{name}: Rasa never processed {child_texts[i1:i2]!r}")

        # each child message's answer: what is stored after it, before the child's next message
        child_index = -1
        for position, row in enumerate(rows):
            if row[1] != "child":
                continue
            child_index += 1
            following = []
            for later in rows[position + 1 :]:
                if later[1] == "child":
                    break
                following.append(later)
            bot = [later[2] for later in following if later[1] == "bot"]
            if bot:
                totals["answered"] += 1
            else:
                totals["unanswered"] += 1
                problem(f"{name}: no answer stored for seq {row[0]} {row[2]!r}")
            half = len(bot) // 2
            if bot and len(bot) % 2 == 0 and bot[:half] == bot[half:]:
                totals["answer_repeated"] += 1
                problem(f"{name}: the answer to seq {row[0]} {row[2]!r} is stored twice over")
            if SAFETY_TEXTS & set(bot):
                totals["safety_answer"] += 1
                if child_index in in_rasa:
                    totals["rasa_answer_unseen"] += 1  # Rasa answered after the web app gave up: never shown

        # every bot, counsellor and system message stored reached the page, and the page saw nothing else
        for seq, speaker, text, _client in rows:
            if speaker == "child":
                continue
            seen = log.seen.get(seq)
            if seen is None:
                totals["not_delivered"] += 1
                problem(f"{name}: {speaker} message seq {seq} stored but never shown on the page")
            elif seen["text"] != text or seen["speaker"] != speaker:
                totals["delivered_wrong"] += 1
                problem(f"{name}: the page showed something else as seq {seq}")
        stored_seqs = {row[0] for row in rows}
        for seq in log.seen:
            if seq not in stored_seqs:
                totals["phantom"] += 1
                problem(f"{name}: the page showed seq {seq}, which is not stored")
        totals["delivered_twice"] += log.delivered_twice
        totals["stray_helplines"] += log.stray_helplines
        totals["reconnects"] += log.reconnects
        totals["errors"] += len(log.errors)
        totals["refused"] += sum(item.refused for item in sent)
        for item in sent:
            if item.reconnect:
                totals[f"reconnect_{item.reconnect}"] += 1
        totals["risk"] += sum(item.kind == "risk" for item in sent)
    return {"totals": totals, "problems": problems, "notes": notes}


# ---------------------------------------------------------------------------------------------- the run
def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Report:
    seconds: float
    conversations: int
    totals: Counter
    problems: list[str]
    latencies: list[float]
    memory: dict
    errors: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.totals["lost"] + self.totals["not_delivered"]

    @property
    def duplicated(self) -> int:
        return self.totals["duplicated"] + self.totals["rasa_twice"] + self.totals["answer_repeated"]

    @property
    def unanswered(self) -> int:
        return self.totals["unanswered"] + self.totals["not_answered_on_page"]

    @property
    def ok(self) -> bool:
        t = self.totals
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.unanswered == 0
            and t["out_of_order"] == 0
            and t["altered"] == 0
            and t["phantom"] == 0
            and t["delivered_wrong"] == 0
            and t["sent"] > 0
            and t["stored"] == t["sent"]
            and t["answered"] == t["stored"]
        )

    def text(self) -> str:
        t = self.totals

        def ms(share):
            value = percentile(self.latencies, share)
            return "-" if value is None else f"{value * 1000:.0f} ms"

        def mb(key):
            value = self.memory.get(key)
            return "-" if value is None else f"{value:.0f} MB"

        lines = [
            f"soak: {self.conversations} conversations for {self.seconds:.0f} s",
            f"  messages sent        {t['sent']:>7}   ({t['risk']} risk messages; {t['refused']} refused as too fast "
            f"and resent)",
            f"  reconnects           {t['reconnects']:>7}   (between messages {t['reconnect_between']}, after the "
            f"acknowledgement {t['reconnect_acked']}, before it, then resent {t['reconnect_unacked']})",
            f"  stored               {t['stored']:>7}",
            f"  answered             {t['answered']:>7}   (answer seen on the page: {t['answered_on_page']})",
            f"  lost                 {self.lost:>7}   (not stored: {t['lost']}; stored, never shown on the page: "
            f"{t['not_delivered']})",
            f"  duplicated           {self.duplicated:>7}   (stored twice: {t['duplicated']}; Rasa processed twice: "
            f"{t['rasa_twice']}; answer stored twice over: {t['answer_repeated']})",
            f"  unanswered           {self.unanswered:>7}   (no answer stored: {t['unanswered']}; none seen on the "
            f"page: {t['not_answered_on_page']})",
            f"  out of order {t['out_of_order']}, altered {t['altered']}, phantom {t['phantom']}, "
            f"delivered again after a reconnect {t['delivered_twice']}, stray answer ends {t['stray_helplines']}",
            f"  answered by the web app's safety message (Rasa too slow) {t['safety_answer']}: of those, Rasa "
            f"never processed {t['rasa_never']}, and answered {t['rasa_answer_unseen']} after the web app gave up "
            f"(an answer the child never saw)",
            f"  latency (send to the answer's end) p50 {ms(0.5)}, p95 {ms(0.95)}, p99 {ms(0.99)}, "
            f"max {ms(1.0)} over {len(self.latencies)} messages; {t['sent'] / max(self.seconds, 1):.1f} messages/s",
            f"  errors               {len(self.errors):>7}   (the page's); the web app logged: "
            f"{t['rasa_timeouts']} Rasa time-outs answered with its safety message, {t['not_handled']} messages "
            f"not handled, {t['connection_failed']} failed connections, {t['tracebacks']} tracebacks",
            f"  web app RSS: start {mb('start')}, after warm-up {mb('warm')}, end {mb('end')}, peak {mb('peak')}"
            + ("  KEPT GROWING" if self.memory.get("kept_growing") else ""),
        ]
        for error in self.errors[:10]:
            lines.append(f"  error: {error}")
        for item in self.notes:
            lines.append(f"  note: {item}")
        for item in self.problems:
            lines.append(f"  PROBLEM: {item}")
        lines.append("  result: " + ("every message stored and answered exactly once" if self.ok else "FAILED"))
        return "\n".join(lines)


async def soak(
    web_url: str,
    database_url: str,
    conversations: int,
    seconds: float,
    web_pid: int | None = None,
    reconnecting_share: float = 0.2,
    min_interval: float = 0.0,
    think: tuple[float, float] = (0.1, 0.6),
    own_addresses: bool = False,
    seed: int | None = None,
    web_log: Path | None = None,
) -> Report:
    """Runs the soak against a running web app and checks the result in its database.

    `min_interval` keeps each conversation under the web app's per-chat limit (RATE_MESSAGES in
    RATE_WINDOW_SECONDS); `own_addresses` gives every conversation its own loopback address (127.0.0.x), so the
    per-address limit counts each child alone, as for children at home. `web_log`: the web app's log file, read
    for what it logged meanwhile.
    """
    log_offset = log_size(web_log)
    rng = random.Random(seed)
    reconnecting = max(1, round(conversations * reconnecting_share)) if reconnecting_share else 0
    logs = [
        ConversationLog(i, f"127.0.{10 + i // 250}.{1 + i % 250}" if own_addresses else None)
        for i in range(conversations)
    ]
    samples: list[tuple[float, float]] = []
    stop = asyncio.Event()
    sampler = asyncio.ensure_future(sample_rss(web_pid, samples, max(1.0, seconds / 60), stop)) if web_pid else None
    started = time.monotonic()
    deadline = started + seconds
    children = [
        Child(
            web_url,
            log,
            random.Random(rng.random()),
            deadline,
            reconnects=log.index < reconnecting,
            min_interval=min_interval,
            think=think,
        )
        for log in logs
    ]

    async def start(child: Child, delay: float) -> None:
        await asyncio.sleep(delay)  # children arrive over a few seconds, not all in one instant
        await child.run()

    await asyncio.gather(*(start(child, rng.uniform(0, min(5.0, seconds / 10))) for child in children))
    elapsed = time.monotonic() - started
    if sampler:
        stop.set()
        await sampler
    result = check(database_url, logs)
    result["totals"].update(log_signs(web_log, log_offset))
    latencies = [item.latency for log in logs for item in log.sent if item.latency is not None]
    errors = [f"conversation {log.index}: {error}" for log in logs for error in log.errors]
    return Report(
        elapsed,
        conversations,
        result["totals"],
        result["problems"],
        latencies,
        memory_summary(samples),
        errors,
        result["notes"],
    )


def main() -> int:
    from bot import launch
    from bot.store.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--rasa-port", type=int, default=5605)
    parser.add_argument("--action-port", type=int, default=5655)
    parser.add_argument("--web-port", type=int, default=8605)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database_url)
    print(f"Starting Rasa, the action server and the web app (about a minute); logs in {workdir / 'logs'}", flush=True)
    servers = launch.start_servers(
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        web_port=args.web_port,
        log_dir=workdir / "logs",
        token="soak",
        extra_env={
            "DATABASE_URL": database_url,
            "BOT_VAR_DIR": str(workdir),
            "COUNSELLOR_HOURS": "00:00-00:00",
            "RATE_MESSAGES": "100000",
            "RATE_IP_MESSAGES": "1000000",
        },
    )
    try:
        print(f"Soaking: {args.conversations} conversations for {args.minutes:g} minutes...", flush=True)
        web_app = servers.server("web app")
        assert servers.web_url is not None and web_app.process is not None  # started, as web_port was given
        report = asyncio.run(
            soak(
                servers.web_url,
                database_url,
                args.conversations,
                args.minutes * 60,
                web_pid=web_app.process.pid,
                seed=args.seed,
                web_log=web_app.log_file,
            )
        )
    finally:
        servers.stop()
    print(report.text(), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

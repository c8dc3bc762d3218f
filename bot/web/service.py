"""The live chat: every child message is stored, checked for risk, and answered by Rasa or by a counsellor.

Risk is assessed here, on every child message, whoever holds the conversation and whether or not Rasa is up.
A `high` or `imminent` message queues the conversation for a counsellor at once (before Rasa answers), so the
console hears of it within a second; the child first gets the bot's risk reply with the emergency number.
"""

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool

from bot import settings
from bot.risk import RiskAssessment, RiskLevel, assess
from bot.store import audit, handoffs, rasa_events, transcript
from bot.store.db import session_scope
from bot.store.models import Conversation, User
from bot.store.utc import utc_now
from bot.web.db_turns import DatabaseTurns, Priority
from bot.web.held_messages import DATABASE_AWAY, ChildMessage, HeldMessages
from bot.web.helplines import helplines_for
from bot.web.hours import CounsellorHours
from bot.web.hub import Counsellor, Hub
from bot.web.messages import render
from bot.web.permissions import may
from bot.web.rasa import BotReply, BotTurn, RasaClient, RasaUnavailable, turn_from_answers

log = logging.getLogger(__name__)

# The risk window: the child's messages before this one that the detector reads with it.
RISK_HISTORY = 3
HELD_RETRY_SECONDS = 1.0
# The consoles get the queue at most this often in a crowd (at once when it changes alone).
QUEUE_SEND_GAP_SECONDS = 0.1


class RecentRegions(dict):
    """Each conversation's region as last read, for the numbers a child gets while the database is away."""

    LIMIT = 100_000

    def remember(self, conversation_id: str, region: str | None) -> None:
        if len(self) >= self.LIMIT:
            self.clear()
        self[conversation_id] = region


def new_conversation_id() -> str:
    return secrets.token_urlsafe(18)


def message_event(message: transcript.StoredMessage) -> dict:
    return {
        "type": "message",
        "seq": message.seq,
        "speaker": message.speaker,
        "text": message.text,
        "buttons": message.buttons,
        "time": message.created_at.isoformat(),
        "counsellor": message.counsellor_name,
        "risk": message.risk_level,
        "client_id": message.client_id,
    }


def _jsonable(value):
    if dataclasses.is_dataclass(value):
        # Not dataclasses.asdict, which deep-copies every value first: the queue goes to every console after
        # each change, and in a crowd that copying held up the event loop for seconds.
        return {field.name: _jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)


class ChatService:
    def __init__(self, engine, rasa: RasaClient, hub: Hub, hours: CounsellorHours):
        self.engine = engine
        self.rasa = rasa
        self.hub = hub
        self.hours = hours
        self.held = HeldMessages()
        self.regions = RecentRegions()
        self._queue_changed = False
        self._queue_sender: asyncio.Task[None] | None = None
        self._turns = DatabaseTurns() if engine is not None and engine.dialect.name == "sqlite" else None

    async def db(self, work: Callable, *args, **kwargs):
        """Runs `work(session, ...)` in one transaction, in a worker thread."""
        return await self._in_a_turn(Priority.ORDINARY, work, *args, **kwargs)

    async def _in_a_turn(self, priority: Priority, work: Callable, *args, **kwargs):
        """db(), with SQLite taking operations in order of `priority` (bot/web/db_turns.py)."""

        def run():
            with session_scope(self.engine) as session:
                return work(session, *args, **kwargs)

        if self._turns is None:
            return await run_in_threadpool(run)
        async with self._turns.turn(priority):
            return await run_in_threadpool(run)

    # ------------------------------------------------------------------ the child's side
    # While the database is away, a page that (re)connects gets the last region known here, nothing it has not
    # seen yet (it comes after the next reconnect), and the bot's status: the child can still write.
    async def region(self, conversation_id: str) -> str | None:
        try:
            region = await self.db(_region, conversation_id)
        except DATABASE_AWAY:
            return self.regions.get(conversation_id)
        self.regions.remember(conversation_id, region)
        return region

    async def history(self, conversation_id: str, after_seq: int) -> list[dict]:
        try:
            messages = await self.db(transcript.messages_after, conversation_id, after_seq)
        except DATABASE_AWAY:
            return []
        return [message_event(message) for message in messages]

    async def status(self, conversation_id: str) -> str:
        try:
            handoff = await self.db(handoffs.active, conversation_id)
        except DATABASE_AWAY:
            return "bot"
        return handoff.status if handoff else "bot"

    async def _say(self, conversation_id: str, speaker: str, text: str, **extra) -> transcript.StoredMessage:
        stored = await self.db(transcript.add_message, conversation_id, speaker, text, **extra)
        await self.hub.to_conversation(conversation_id, message_event(stored))
        return stored

    async def from_child(self, conversation_id: str, client_id: str, text: str, payload: str | None = None) -> None:
        """A child's message: stored once (a resend is only acknowledged), assessed, then answered.

        If the database cannot take it, it is held and handled when the database is back (release_held)."""
        message = ChildMessage(conversation_id, client_id, text, payload)
        if self.held.holds(conversation_id):  # behind the ones held before it, in order
            await self._hold(message)
            return
        try:
            taken = await self._store_child_message(message)
        except DATABASE_AWAY:
            log.warning("the database is away: holding a child's message until it is back")
            await self._hold(message)
            return
        await self._answer(message, taken)

    async def _store_child_message(self, message: ChildMessage) -> "TakenMessage":
        # When others wait for the database, a message that reads as a risk on its own goes first (with the
        # child's earlier messages, in the same transaction, the risk is assessed again in full).
        waiting = self._turns is not None and self._turns.queue_length > 0
        risk = waiting and assess(message.text, []).level >= RiskLevel.HIGH
        return await self._in_a_turn(
            Priority.RISK if risk else Priority.ORDINARY, _take_child_message, message, self.hours.is_open()
        )

    async def _answer(self, message: ChildMessage, taken: "TakenMessage") -> None:
        conversation_id, stored, risk, handoff = message.conversation_id, taken.stored, taken.risk, taken.handoff
        await self.hub.to_child(conversation_id, {"type": "ack", "id": message.client_id, "seq": stored.seq})
        if stored.duplicate:
            return
        await self.hub.to_consoles({**message_event(stored), "conversation": conversation_id}, watching=conversation_id)
        if taken.counsellor_requested:
            self.broadcast_queue()
        # Outside counsellor hours, a child at risk is told so at once, with the numbers.
        queued_now = risk.level >= RiskLevel.HIGH and (not taken.hours_open or handoff is None)

        if handoff and handoff.status == "active":
            return  # a counsellor holds the conversation: no bot reply
        await self._reply(
            conversation_id,
            message.payload or message.text,
            message.client_id,
            risk.level.value,
            risk.evidence_words,
            handoff,
            queued_now,
        )

    async def _reply(
        self,
        conversation_id: str,
        text: str,
        client_id: str | None,
        level: str,
        evidence: list[str],
        handoff,
        queued_now: bool,
        recovering: bool = False,
    ) -> None:
        """The bot's answer; then, if it offered a person, the queue; then the child is told about the queue."""
        turn = await self._bot_turn(conversation_id, text, client_id, recovering)
        if turn.offers_person and not queued_now:
            queued_now = await self._queue(conversation_id, "child_asked", level, evidence, handoff, asked=True)
        if queued_now:
            await self._tell_about_handoff(conversation_id, numbers_given=turn.from_web_app)

    async def _hold(self, message: ChildMessage) -> None:
        """Tells the child plainly, with the numbers for their region the first time and whenever the message
        alone reads as a risk: no counsellor hears of it until the database is back."""
        conversation_id = message.conversation_id
        first = not self.held.holds(conversation_id)
        if not self.held.hold(message):
            await self.hub.to_child(
                conversation_id,
                {"type": "notice", "text": render("web_message_not_saved"), "refused": message.client_id},
            )
        else:
            await self.hub.to_child(
                conversation_id, {"type": "notice", "text": render("web_message_held"), "refused": None}
            )
        if first or assess(message.text, []).level >= RiskLevel.HIGH:
            region = self.regions.get(conversation_id)
            await self.hub.to_child(
                conversation_id, {"type": "notice", "text": render("web_numbers", region), "refused": None}
            )

    async def release_held(self) -> None:
        """Runs while the web app does: handles held messages, oldest first, whenever the database takes them."""
        while True:
            message = self.held.first()
            if message is None:
                await asyncio.sleep(HELD_RETRY_SECONDS)
                continue
            try:
                taken = await self._store_child_message(message)
            except DATABASE_AWAY:
                await asyncio.sleep(HELD_RETRY_SECONDS)
                continue
            try:
                await self._answer(message, taken)
            except Exception:  # noqa: BLE001 - the message is stored; one failed answer must not stop the rest
                log.exception("a held message was stored but its answer failed")
            finally:
                self.held.done_with_first()

    async def answer_overdue(self) -> None:
        """Runs while the web app does: answers a child's message whose answer is overdue, because the instance
        that took it stopped (killed, crashed) between storing it and storing the bot's answer."""
        while True:
            await asyncio.sleep(settings.OVERDUE_CHECK_SECONDS)
            now = utc_now()
            try:
                overdue = await self.db(
                    transcript.take_overdue,
                    now,
                    now + _reply_due(),
                    now - timedelta(hours=settings.OVERDUE_ANSWER_HOURS),
                )
            except DATABASE_AWAY:
                continue
            for message in overdue:
                log.warning("answering a child's message that another web app instance took and left unanswered")
                try:
                    handoff = await self.db(handoffs.active, message.conversation_id)
                    await self._reply(
                        message.conversation_id,
                        message.text,
                        message.client_id,
                        message.risk_level or RiskLevel.NONE.value,
                        message.risk_evidence,
                        handoff,
                        queued_now=False,
                        recovering=True,
                    )
                except Exception:  # noqa: BLE001 - it is due again later; the others still get their answers
                    log.exception("an overdue message could not be answered")

    async def _bot_turn(
        self, conversation_id: str, text: str, client_id: str | None = None, recovering: bool = False
    ) -> BotTurn:
        await self.hub.to_child(conversation_id, {"type": "typing", "speaker": "bot"})
        try:
            turn = await self._turn_rasa_took(conversation_id, client_id) if recovering else None
            turn = turn or await self.rasa.reply(conversation_id, text, client_id)
        except RasaUnavailable as error:
            log.warning("Rasa unavailable (%s); answering with the safety message", error)
            region = await self.region(conversation_id)
            turn = BotTurn(
                [BotReply(render("web_numbers", region)), BotReply(render("web_bot_unavailable"))], from_web_app=True
            )
        stored, region = await self.db(_store_replies, conversation_id, turn.replies)
        self.regions.remember(conversation_id, region)
        for message in stored:
            await self.hub.to_conversation(conversation_id, message_event(message))
        # after the bot's last reply, so the page knows its answer is complete; the region may have changed
        await self.hub.to_child(conversation_id, helplines_event(region))
        return turn

    async def _turn_rasa_took(self, conversation_id: str, client_id: str | None) -> BotTurn | None:
        """Rasa's answer to a message it had taken before the instance that sent it stopped: sending the message
        again would have Rasa take it twice. None if Rasa never took it."""
        if not client_id:
            return None
        try:
            answers = await self.db(rasa_events.bot_answers_to, conversation_id, client_id)
        except sa.exc.SQLAlchemyError:  # Rasa keeps its trackers in another database
            log.warning("Rasa's events are not in this database: an overdue message is sent to Rasa again")
            return None
        return turn_from_answers(answers) if answers is not None else None

    async def child_asks_for_person(self, conversation_id: str) -> None:
        """Queues the child for a person; asked again while waiting or held, says so once instead."""
        handoff = await self.db(handoffs.active, conversation_id)
        if handoff and handoff.status == "active":
            await self._say(conversation_id, "bot", render("web_person_already_here"))
            return
        if handoff and self.hours.is_open() and self.hub.counsellors_online():
            ahead = await self._ahead(conversation_id)
            await self._say(conversation_id, "bot", render("web_already_waiting", ahead=ahead))
            return
        await self._queue(conversation_id, "child_asked", "none", [], handoff, asked=True)
        await self._tell_about_handoff(conversation_id)

    async def _ahead(self, conversation_id: str) -> str:
        """How many children are before this one in the line, as the child is told it."""
        return str((await self.db(handoffs.position, conversation_id) or 1) - 1)

    async def _queue(self, conversation_id, reason, level, evidence, existing, asked=False) -> bool:
        """Queues the conversation for a counsellor; True when the child should now be told about it."""
        if not self.hours.is_open():
            return True
        await self.db(handoffs.request, conversation_id, reason, level, evidence)
        self.broadcast_queue()
        return existing is None or asked

    async def _tell_about_handoff(self, conversation_id: str, numbers_given: bool = False) -> None:
        region = await self.region(conversation_id)
        if not self.hours.is_open():
            texts = [render("web_outside_hours", opens=self.hours.next_opening())]
        elif self.hub.counsellors_online() == 0:
            texts = [render("web_no_counsellor_online")]
        else:
            texts = [render("web_person_coming"), render("web_queue_ahead", ahead=await self._ahead(conversation_id))]
        for text in texts + ([] if numbers_given else [render("web_numbers", region)]):
            await self._say(conversation_id, "bot", text)
        await self.hub.to_child(conversation_id, {"type": "status", "status": await self.status(conversation_id)})

    async def child_typing(self, conversation_id: str) -> None:
        await self.hub.to_consoles(
            {"type": "typing", "speaker": "child", "conversation": conversation_id}, watching=conversation_id
        )

    # ------------------------------------------------------------------ the counsellor's side
    def broadcast_queue(self) -> None:
        """Sends every console the queue as it is now, soon. Each send reads and sends the whole queue, so in a
        crowd the changes that come while one send is on its way go out together in the next one, not one by
        one: otherwise fifty risk messages at once meant fifty reads and sends of a queue fifty long."""
        self._queue_changed = True
        if self._queue_sender is None or self._queue_sender.done():
            self._queue_sender = asyncio.create_task(self._send_queue_while_it_changes())

    async def _send_queue_while_it_changes(self) -> None:
        while self._queue_changed:
            self._queue_changed = False
            try:
                waiting, live = await self._in_a_turn(Priority.QUEUE, _read_queue)
            except DATABASE_AWAY:
                log.warning("the database is away: the consoles get the queue after its next change")
                return
            await self._send_queue(waiting, live)
            await asyncio.sleep(QUEUE_SEND_GAP_SECONDS)  # what changes meanwhile goes out in the next send

    async def _send_queue(self, waiting, live) -> None:
        with_person = {handoff.conversation_id for handoff in live}
        await self.hub.to_consoles(
            {
                "type": "queue",
                "waiting": _jsonable(waiting),
                "live": _jsonable(live),
                "chatting": [cid for cid in self.hub.chatting() if cid not in with_person],
                "counsellors": [{"id": c.id, "name": c.name} for c in self.hub.counsellors()],
            }
        )

    async def relation(self, counsellor: Counsellor, conversation_id: str) -> str:
        """How the counsellor stands to the conversation (bot/web/permissions.py)."""
        handoff = await self.db(handoffs.active, conversation_id)
        if handoff is None:
            return "bot"
        if handoff.status == "waiting":
            return "waiting"
        return "holder" if handoff.counsellor_id == counsellor.id else "other"

    async def check(self, counsellor: Counsellor, action: str, conversation_id: str) -> None:
        """Raises PermissionError unless the permission table lets the counsellor do this to the conversation."""
        if not may(counsellor.role, action, await self.relation(counsellor, conversation_id)):
            raise PermissionError(f"{counsellor.role} may not {action} this conversation")

    async def read_transcript(self, counsellor: Counsellor, conversation_id: str) -> list[dict]:
        """The whole transcript for a console, if the table allows it; every read is in the audit log."""
        await self.check(counsellor, "watch", conversation_id)
        await self.db(_record_read, counsellor.id, conversation_id)
        return await self.history(conversation_id, 0)

    async def claim(self, counsellor: Counsellor, handoff_id: int) -> str | None:
        """The counsellor takes a waiting conversation; returns its id, or None if someone else got it first."""
        try:
            handoff = await self.db(handoffs.claim, handoff_id, counsellor.id)
        except handoffs.AlreadyClaimed:
            return None
        await self._joined(counsellor, handoff.conversation_id)
        return handoff.conversation_id

    async def pick(self, counsellor: Counsellor, conversation_id: str) -> None:
        await self.db(handoffs.pick, conversation_id, counsellor.id)
        await self._joined(counsellor, conversation_id)

    async def _joined(self, counsellor: Counsellor, conversation_id: str) -> None:
        joined = (
            render("web_counsellor_joined", counsellor=counsellor.display_name)
            if counsellor.display_name
            else render("web_counsellor_joined_unnamed")
        )
        await self._say(conversation_id, "system", joined)
        self.hub.stop_watching(conversation_id, counsellor.id)
        await self.hub.to_child(conversation_id, {"type": "status", "status": "active"})
        self.broadcast_queue()

    async def from_counsellor(
        self, counsellor: Counsellor, conversation_id: str, client_id: str | None, text: str
    ) -> None:
        """A counsellor's reply to the child they hold; a resent reply (same client id) is stored once."""
        handoff = await self.db(handoffs.active, conversation_id)
        if not handoff or handoff.status != "active" or handoff.counsellor_id != counsellor.id:
            raise PermissionError("this conversation is not held by this counsellor")
        await self._say(conversation_id, "counsellor", text, client_id=client_id, counsellor_id=counsellor.id)

    async def counsellor_typing(self, conversation_id: str) -> None:
        await self.hub.to_child(conversation_id, {"type": "typing", "speaker": "counsellor"})

    async def end(self, counsellor: Counsellor, conversation_id: str) -> None:
        await self.db(handoffs.end, conversation_id, counsellor.id)
        await self._say(conversation_id, "system", render("web_counsellor_left"))
        await self.hub.to_child(conversation_id, {"type": "status", "status": "bot"})
        self.broadcast_queue()

    async def transfer(self, counsellor: Counsellor, conversation_id: str, to_id: int) -> None:
        """Passes the conversation to someone signed in to a console now, with a note and an audit entry; the child
        is told another person is taking over."""
        to = next((person for person in self.hub.counsellors() if person.id == to_id), None)
        if to is None:
            raise handoffs.TransferRefused(f"account {to_id} is not signed in to a console")
        await self.db(_transfer, conversation_id, counsellor, to)
        await self._say(conversation_id, "system", render("web_counsellor_transfer"))
        await self.hub.to_consoles(
            {
                "type": "note",
                "conversation": conversation_id,
                "author": counsellor.name,
                "text": f"Passed to {to.name}.",
            },
            watching=conversation_id,
        )
        self.hub.stop_watching(conversation_id, to.id)
        self.broadcast_queue()


def _record_read(session, counsellor_id: int, conversation_id: str) -> None:
    audit.record(session, session.get(User, counsellor_id), "transcript.read", f"conversation:{conversation_id}")


def _transfer(session, conversation_id: str, counsellor: Counsellor, to: Counsellor) -> None:
    handoffs.transfer(session, conversation_id, counsellor.id, to.id)
    handoffs.add_note(session, conversation_id, counsellor.id, f"Passed to {to.name}.")
    audit.record(
        session, session.get(User, counsellor.id), "handoff.transfer", f"conversation:{conversation_id}", to=to.name
    )


@dataclasses.dataclass(frozen=True)
class TakenMessage:
    stored: transcript.StoredMessage
    risk: RiskAssessment
    handoff: handoffs.HandoffView | None  # the one open before this message
    counsellor_requested: bool
    hours_open: bool


def _take_child_message(session, message: ChildMessage, hours_open: bool) -> TakenMessage:
    """Assesses the message with the child's messages before it, stores it and, for a risk, asks for a counsellor,
    all in one transaction: in a crowd, one trip to the database each is what gets a child at risk to the
    counsellors' queue within a second. A resend changes nothing."""
    conversation_id = message.conversation_id
    history = transcript.last_child_texts(session, conversation_id, RISK_HISTORY)
    risk = assess(message.text, history)
    stored = transcript.add_message(
        session,
        conversation_id,
        "child",
        message.text,
        client_id=message.client_id,
        risk_level=risk.level.value if risk.level > RiskLevel.NONE else None,
        risk_evidence=[dataclasses.asdict(item) for item in risk.evidence] or None,
        reply_due_by=utc_now() + _reply_due(),
    )
    handoff = handoffs.active(session, conversation_id)
    if handoff is not None and handoff.status == "active" and not stored.duplicate:
        transcript.mark_answered(session, conversation_id)  # the counsellor answers, not the bot
    if risk.level >= RiskLevel.HIGH:
        request = hours_open  # outside counsellor hours the child is told so instead
    else:
        # A concern raises the level of an open handoff, or queues the conversation quietly, so that it stays in
        # the counsellors' sight whether or not the child answers the check-in; the child is told of a person
        # only when they ask for one.
        request = risk.level > RiskLevel.NONE and (handoff is not None or hours_open)
    request = request and not stored.duplicate
    if request:
        handoffs.request(session, conversation_id, "risk", risk.level.value, risk.evidence_words)
    return TakenMessage(stored, risk, handoff, request, hours_open)


def _reply_due() -> timedelta:
    return timedelta(seconds=settings.REPLY_DUE_SECONDS)


def _read_queue(session):
    return handoffs.queue(session), handoffs.live(session)


def _store_replies(session, conversation_id: str, replies: list[BotReply]):
    """The bot's replies to one message, stored in one transaction, and the child's region as Rasa now has it."""
    stored = transcript.add_bot_messages(session, conversation_id, [(reply.text, reply.buttons) for reply in replies])
    return stored, _region(session, conversation_id)


def _region(session, conversation_id: str) -> str | None:
    return session.scalar(sa.select(Conversation.country).where(Conversation.sender_id == conversation_id))


def helplines_event(region: str | None) -> dict:
    return {"type": "helplines", "region": region, "items": [h.as_dict() for h in helplines_for(region)]}

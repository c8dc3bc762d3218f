"""A child's message in: stored once, checked for risk, queued for a counsellor when at risk, then answered.

Risk is assessed here, on every child message, whoever holds the conversation and whether or not Rasa is up.
A `high` or `imminent` message queues the conversation for a counsellor at once (before Rasa answers), so the
console hears of it within a second; the child first gets the bot's risk reply with the emergency number.
"""

import dataclasses
import logging

from bot.risk import RiskAssessment, RiskLevel, assess
from bot.store import handoffs, transcript
from bot.store.utc import utc_now
from bot.web.chat.answers import Answers, reply_due
from bot.web.chat.held_messages import ChildMessage
from bot.web.chat.recovery import Holding
from bot.web.console.queue import QueueBroadcast
from bot.web.core.conversations import message_event
from bot.web.core.database import DATABASE_AWAY, Database
from bot.web.core.db_turns import Priority
from bot.web.core.hours import CounsellorHours
from bot.web.core.hub import Hub

log = logging.getLogger(__name__)

# The risk window: the child's messages before this one that the detector reads with it.
RISK_HISTORY = 3


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
        reply_due_by=utc_now() + reply_due(),
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


class ChildMessages:
    def __init__(
        self,
        database: Database,
        hub: Hub,
        hours: CounsellorHours,
        queue: QueueBroadcast,
        answers: Answers,
        holding: Holding,
    ):
        self.database, self.hub, self.hours = database, hub, hours
        self.queue, self.answers, self.holding = queue, answers, holding

    async def from_child(self, conversation_id: str, client_id: str, text: str, payload: str | None = None) -> None:
        """A child's message: stored once (a resend is only acknowledged), assessed, then answered.

        If the database cannot take it, it is held and handled when the database is back (release_held)."""
        message = ChildMessage(conversation_id, client_id, text, payload)
        if self.holding.holds(conversation_id):  # behind the ones held before it, in order
            await self.holding.hold(message)
            return
        try:
            taken = await self._store(message)
        except DATABASE_AWAY:
            log.warning("the database is away: holding a child's message until it is back")
            await self.holding.hold(message)
            return
        await self._answer(message, taken)

    async def release_held(self) -> None:
        """Runs while the web app does: the messages held while the database was away, stored and answered."""
        await self.holding.release(self._store, self._answer)

    async def typing(self, conversation_id: str) -> None:
        await self.hub.to_consoles(
            {"type": "typing", "speaker": "child", "conversation": conversation_id}, watching=conversation_id
        )

    async def _store(self, message: ChildMessage) -> TakenMessage:
        # When others wait for the database, a message that reads as a risk on its own goes first (with the
        # child's earlier messages, in the same transaction, the risk is assessed again in full).
        risk = self.database.crowded and assess(message.text, []).level >= RiskLevel.HIGH
        return await self.database.in_turn(
            Priority.RISK if risk else Priority.ORDINARY, _take_child_message, message, self.hours.is_open()
        )

    async def _answer(self, message: ChildMessage, taken: TakenMessage) -> None:
        conversation_id, stored, risk, handoff = message.conversation_id, taken.stored, taken.risk, taken.handoff
        await self.hub.to_child(conversation_id, {"type": "ack", "id": message.client_id, "seq": stored.seq})
        if stored.duplicate:
            return
        await self.hub.to_consoles({**message_event(stored), "conversation": conversation_id}, watching=conversation_id)
        if taken.counsellor_requested:
            self.queue.changed()
        # Outside counsellor hours, a child at risk is told so at once, with the numbers.
        queued_now = risk.level >= RiskLevel.HIGH and (not taken.hours_open or handoff is None)
        if handoff and handoff.status == "active":
            return  # a counsellor holds the conversation: no bot reply
        await self.answers.reply(
            conversation_id,
            message.payload or message.text,
            message.client_id,
            risk.level.value,
            risk.evidence_words,
            handoff,
            queued_now,
        )

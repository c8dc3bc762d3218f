"""The bot's answer to a child's message: from Rasa (or the web app's safety message when Rasa is away), stored,
sent to the page, then, if it offered a person, the handoff; and the answers another instance left overdue."""

import asyncio
import logging
from datetime import timedelta

import sqlalchemy as sa

from bot import settings
from bot.risk import RiskLevel
from bot.store import handoffs, rasa_events, transcript
from bot.store.utc import utc_now
from bot.web.chat.handoff import Handoff
from bot.web.chat.recovery import safety_turn
from bot.web.core.conversations import Conversations, helplines_event, message_event, region_of
from bot.web.core.database import DATABASE_AWAY, Database
from bot.web.core.hub import Hub
from bot.web.core.rasa import BotReply, BotTurn, RasaClient, RasaUnavailable, turn_from_answers

log = logging.getLogger(__name__)


def reply_due() -> timedelta:
    """How soon after a child's message its answer must be stored (REPLY_DUE_SECONDS in bot/settings.py)."""
    return timedelta(seconds=settings.REPLY_DUE_SECONDS)


def _store_replies(session, conversation_id: str, replies: list[BotReply]):
    """The bot's replies to one message, stored in one transaction, and the child's region as Rasa now has it."""
    stored = transcript.add_bot_messages(session, conversation_id, [(reply.text, reply.buttons) for reply in replies])
    return stored, region_of(session, conversation_id)


class Answers:
    def __init__(self, database: Database, hub: Hub, rasa: RasaClient, conversations: Conversations, handoff: Handoff):
        self.database, self.hub, self.rasa = database, hub, rasa
        self.conversations, self.handoff = conversations, handoff

    async def reply(
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
            queued_now = await self.handoff.request(
                conversation_id, "child_asked", level, evidence, handoff, asked=True
            )
        if queued_now:
            await self.handoff.tell_child(conversation_id, numbers_given=turn.from_web_app)

    async def _bot_turn(self, conversation_id: str, text: str, client_id: str | None, recovering: bool) -> BotTurn:
        await self.hub.to_child(conversation_id, {"type": "typing", "speaker": "bot"})
        try:
            turn = await self._turn_rasa_took(conversation_id, client_id) if recovering else None
            turn = turn or await self.rasa.reply(conversation_id, text, client_id)
        except RasaUnavailable as error:
            log.warning("Rasa unavailable (%s); answering with the safety message", error)
            turn = safety_turn(await self.conversations.region(conversation_id))
        stored, region = await self.database.run(_store_replies, conversation_id, turn.replies)
        self.conversations.regions.remember(conversation_id, region)
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
            answers = await self.database.run(rasa_events.bot_answers_to, conversation_id, client_id)
        except sa.exc.SQLAlchemyError:  # Rasa keeps its trackers in another database
            log.warning("Rasa's events are not in this database: an overdue message is sent to Rasa again")
            return None
        return turn_from_answers(answers) if answers is not None else None

    async def answer_overdue(self) -> None:
        """Runs while the web app does: answers a child's message whose answer is overdue, because the instance
        that took it stopped (killed, crashed) between storing it and storing the bot's answer."""
        while True:
            await asyncio.sleep(settings.OVERDUE_CHECK_SECONDS)
            now = utc_now()
            try:
                overdue = await self.database.run(
                    transcript.take_overdue,
                    now,
                    now + reply_due(),
                    now - timedelta(hours=settings.OVERDUE_ANSWER_HOURS),
                )
            except DATABASE_AWAY:
                continue
            for message in overdue:
                log.warning("answering a child's message that another web app instance took and left unanswered")
                try:
                    handoff = await self.database.run(handoffs.active, message.conversation_id)
                    await self.reply(
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

"""A conversation as both sides see it: its messages, its status and the child's region, and saying something in it.

While the database is away, a page that (re)connects gets the last region known here, nothing it has not seen yet
(it comes after the next reconnect), and the bot's status: the child can still write.
"""

import secrets

import sqlalchemy as sa

from bot.store import handoffs, transcript
from bot.store.models import Conversation
from bot.web.core.database import DATABASE_AWAY, Database
from bot.web.core.helplines import helplines_for
from bot.web.core.hub import Hub


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


def helplines_event(region: str | None) -> dict:
    return {"type": "helplines", "region": region, "items": [h.as_dict() for h in helplines_for(region)]}


def region_of(session, conversation_id: str) -> str | None:
    return session.scalar(sa.select(Conversation.country).where(Conversation.sender_id == conversation_id))


class Conversations:
    def __init__(self, database: Database, hub: Hub):
        self.database, self.hub = database, hub
        self.regions = RecentRegions()

    async def region(self, conversation_id: str) -> str | None:
        try:
            region = await self.database.run(region_of, conversation_id)
        except DATABASE_AWAY:
            return self.regions.get(conversation_id)
        self.regions.remember(conversation_id, region)
        return region

    async def history(self, conversation_id: str, after_seq: int) -> list[dict]:
        try:
            messages = await self.database.run(transcript.messages_after, conversation_id, after_seq)
        except DATABASE_AWAY:
            return []
        return [message_event(message) for message in messages]

    async def status(self, conversation_id: str) -> str:
        try:
            handoff = await self.database.run(handoffs.active, conversation_id)
        except DATABASE_AWAY:
            return "bot"
        return handoff.status if handoff else "bot"

    async def say(self, conversation_id: str, speaker: str, text: str, **extra) -> transcript.StoredMessage:
        """Stores a message in the conversation and sends it to the child's page and the consoles watching it."""
        stored = await self.database.run(transcript.add_message, conversation_id, speaker, text, **extra)
        await self.hub.to_conversation(conversation_id, message_event(stored))
        return stored

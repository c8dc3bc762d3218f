"""When Rasa, the action server or the database fails, the child still gets an answer with the emergency numbers.

Rasa away or too busy: the web app answers with its own safety message. The database away: the child's message is
held, in order, and handled when it is back (the child is told, with the numbers). Anything else that breaks while
handling a message: the numbers again, as notices.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.risk import RiskLevel, assess
from bot.web.chat.held_messages import ChildMessage, HeldMessages
from bot.web.core.conversations import RecentRegions
from bot.web.core.database import DATABASE_AWAY
from bot.web.core.hub import Hub
from bot.web.core.messages import render
from bot.web.core.rasa import BotReply, BotTurn

log = logging.getLogger(__name__)
HELD_RETRY_SECONDS = 1.0
Taken = TypeVar("Taken")


def safety_turn(region: str | None) -> BotTurn:
    """What the web app says in Rasa's place: the numbers for the child's region, and that the bot is away."""
    return BotTurn(
        [BotReply(render("web_numbers", region)), BotReply(render("web_bot_unavailable"))], from_web_app=True
    )


def fault_notices() -> list[dict]:
    """The numbers and the bot's absence as notices, for a message whose handling failed in any other way."""
    return [
        {"type": "notice", "text": render(name), "refused": None} for name in ("web_numbers", "web_bot_unavailable")
    ]


def _notice(text: str, refused: str | None = None) -> dict:
    return {"type": "notice", "text": text, "refused": refused}


class Holding:
    """Children's messages the database could not take, told to the child and handled once it is back."""

    def __init__(self, hub: Hub, regions: RecentRegions):
        self.hub, self.regions = hub, regions
        self.held = HeldMessages()

    def holds(self, conversation_id: str) -> bool:
        return self.held.holds(conversation_id)

    async def hold(self, message: ChildMessage) -> None:
        """Tells the child plainly, with the numbers for their region the first time and whenever the message
        alone reads as a risk: no counsellor hears of it until the database is back."""
        conversation_id = message.conversation_id
        first = not self.held.holds(conversation_id)
        if not self.held.hold(message):
            await self.hub.to_child(conversation_id, _notice(render("web_message_not_saved"), message.client_id))
        else:
            await self.hub.to_child(conversation_id, _notice(render("web_message_held")))
        if first or assess(message.text, []).level >= RiskLevel.HIGH:
            region = self.regions.get(conversation_id)
            await self.hub.to_child(conversation_id, _notice(render("web_numbers", region)))

    async def release(
        self,
        store: Callable[[ChildMessage], Awaitable[Taken]],
        answer: Callable[[ChildMessage, Taken], Awaitable[None]],
    ) -> None:
        """Runs while the web app does: stores and answers held messages, oldest first, whenever the database
        takes them."""
        while True:
            message = self.held.first()
            if message is None:
                await asyncio.sleep(HELD_RETRY_SECONDS)
                continue
            try:
                taken = await store(message)
            except DATABASE_AWAY:
                await asyncio.sleep(HELD_RETRY_SECONDS)
                continue
            try:
                await answer(message, taken)
            except Exception:  # noqa: BLE001 - the message is stored; one failed answer must not stop the rest
                log.exception("a held message was stored but its answer failed")
            finally:
                self.held.done_with_first()

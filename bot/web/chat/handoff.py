"""Handing a child to a person: queueing the conversation for a counsellor, and telling the child where they stand
(a person is coming and how many are ahead, nobody is online, or when counsellors are next here)."""

from bot.store import handoffs
from bot.web.console.queue import QueueBroadcast
from bot.web.core.conversations import Conversations
from bot.web.core.database import Database
from bot.web.core.hours import CounsellorHours
from bot.web.core.hub import Hub
from bot.web.core.messages import render


class Handoff:
    def __init__(
        self,
        database: Database,
        hub: Hub,
        hours: CounsellorHours,
        conversations: Conversations,
        queue: QueueBroadcast,
    ):
        self.database, self.hub, self.hours = database, hub, hours
        self.conversations, self.queue = conversations, queue

    async def child_asks_for_person(self, conversation_id: str) -> None:
        """Queues the child for a person; asked again while waiting or held, says so once instead."""
        handoff = await self.database.run(handoffs.active, conversation_id)
        if handoff and handoff.status == "active":
            await self.conversations.say(conversation_id, "bot", render("web_person_already_here"))
            return
        if handoff and self.hours.is_open() and self.hub.counsellors_online():
            ahead = await self._ahead(conversation_id)
            await self.conversations.say(conversation_id, "bot", render("web_already_waiting", ahead=ahead))
            return
        await self.request(conversation_id, "child_asked", "none", [], handoff, asked=True)
        await self.tell_child(conversation_id)

    async def _ahead(self, conversation_id: str) -> str:
        """How many children are before this one in the line, as the child is told it."""
        return str((await self.database.run(handoffs.position, conversation_id) or 1) - 1)

    async def request(self, conversation_id, reason, level, evidence, existing, asked=False) -> bool:
        """Queues the conversation for a counsellor; True when the child should now be told about it."""
        if not self.hours.is_open():
            return True
        await self.database.run(handoffs.request, conversation_id, reason, level, evidence)
        self.queue.changed()
        return existing is None or asked

    async def tell_child(self, conversation_id: str, numbers_given: bool = False) -> None:
        """Tells the child where they stand, with the numbers unless they have just had them."""
        region = await self.conversations.region(conversation_id)
        if not self.hours.is_open():
            texts = [render("web_outside_hours", opens=self.hours.next_opening())]
        elif self.hub.counsellors_online() == 0:
            texts = [render("web_no_counsellor_online")]
        else:
            texts = [render("web_person_coming"), render("web_queue_ahead", ahead=await self._ahead(conversation_id))]
        for text in texts + ([] if numbers_given else [render("web_numbers", region)]):
            await self.conversations.say(conversation_id, "bot", text)
        status = await self.conversations.status(conversation_id)
        await self.hub.to_child(conversation_id, {"type": "status", "status": status})

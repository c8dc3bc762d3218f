"""The counsellors' queue, sent to every console when it changes: who waits, who is live, who chats with the bot."""

import asyncio
import dataclasses
import logging
from datetime import datetime

from bot.store import handoffs
from bot.web.core.database import DATABASE_AWAY, Database
from bot.web.core.db_turns import Priority
from bot.web.core.hub import Hub

log = logging.getLogger(__name__)

# The consoles get the queue at most this often in a crowd (at once when it changes alone).
QUEUE_SEND_GAP_SECONDS = 0.1


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


def _read_queue(session):
    return handoffs.queue(session), handoffs.live(session)


class QueueBroadcast:
    def __init__(self, database: Database, hub: Hub):
        self.database, self.hub = database, hub
        self._changed = False
        self._sender: asyncio.Task[None] | None = None

    def changed(self) -> None:
        """Sends every console the queue as it is now, soon. Each send reads and sends the whole queue, so in a
        crowd the changes that come while one send is on its way go out together in the next one, not one by
        one: otherwise fifty risk messages at once meant fifty reads and sends of a queue fifty long."""
        self._changed = True
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_while_it_changes())

    async def _send_while_it_changes(self) -> None:
        while self._changed:
            self._changed = False
            try:
                waiting, live = await self.database.in_turn(Priority.QUEUE, _read_queue)
            except DATABASE_AWAY:
                log.warning("the database is away: the consoles get the queue after its next change")
                return
            await self._send(waiting, live)
            await asyncio.sleep(QUEUE_SEND_GAP_SECONDS)  # what changes meanwhile goes out in the next send

    async def _send(self, waiting, live) -> None:
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

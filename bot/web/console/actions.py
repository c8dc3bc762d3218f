"""What a counsellor does with a conversation: read it, take it, answer the child, pass it on, end it.

The permission table (bot/web/core/permissions.py) decides each action from how the counsellor stands to the
conversation; every transcript read and every transfer is in the audit log.
"""

from bot.store import audit, handoffs
from bot.store.models import User
from bot.web.console.queue import QueueBroadcast
from bot.web.core.conversations import Conversations
from bot.web.core.database import Database
from bot.web.core.hub import Counsellor, Hub
from bot.web.core.messages import render
from bot.web.core.permissions import may


def _record_read(session, counsellor_id: int, conversation_id: str) -> None:
    audit.record(session, session.get(User, counsellor_id), "transcript.read", f"conversation:{conversation_id}")


def _transfer(session, conversation_id: str, counsellor: Counsellor, to: Counsellor) -> None:
    handoffs.transfer(session, conversation_id, counsellor.id, to.id)
    handoffs.add_note(session, conversation_id, counsellor.id, f"Passed to {to.name}.")
    audit.record(
        session, session.get(User, counsellor.id), "handoff.transfer", f"conversation:{conversation_id}", to=to.name
    )


class CounsellorActions:
    def __init__(self, database: Database, hub: Hub, conversations: Conversations, queue: QueueBroadcast):
        self.database, self.hub, self.conversations, self.queue = database, hub, conversations, queue

    async def relation(self, counsellor: Counsellor, conversation_id: str) -> str:
        """How the counsellor stands to the conversation (bot/web/core/permissions.py)."""
        handoff = await self.database.run(handoffs.active, conversation_id)
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
        await self.database.run(_record_read, counsellor.id, conversation_id)
        return await self.conversations.history(conversation_id, 0)

    async def claim(self, counsellor: Counsellor, handoff_id: int) -> str | None:
        """The counsellor takes a waiting conversation; returns its id, or None if someone else got it first."""
        try:
            handoff = await self.database.run(handoffs.claim, handoff_id, counsellor.id)
        except handoffs.AlreadyClaimed:
            return None
        await self._joined(counsellor, handoff.conversation_id)
        return handoff.conversation_id

    async def pick(self, counsellor: Counsellor, conversation_id: str) -> None:
        await self.database.run(handoffs.pick, conversation_id, counsellor.id)
        await self._joined(counsellor, conversation_id)

    async def _joined(self, counsellor: Counsellor, conversation_id: str) -> None:
        joined = (
            render("web_counsellor_joined", counsellor=counsellor.display_name)
            if counsellor.display_name
            else render("web_counsellor_joined_unnamed")
        )
        await self.conversations.say(conversation_id, "system", joined)
        self.hub.stop_watching(conversation_id, counsellor.id)
        await self.hub.to_child(conversation_id, {"type": "status", "status": "active"})
        self.queue.changed()

    async def reply(self, counsellor: Counsellor, conversation_id: str, client_id: str | None, text: str) -> None:
        """A counsellor's reply to the child they hold; a resent reply (same client id) is stored once."""
        handoff = await self.database.run(handoffs.active, conversation_id)
        if not handoff or handoff.status != "active" or handoff.counsellor_id != counsellor.id:
            raise PermissionError("this conversation is not held by this counsellor")
        await self.conversations.say(
            conversation_id, "counsellor", text, client_id=client_id, counsellor_id=counsellor.id
        )

    async def typing(self, conversation_id: str) -> None:
        await self.hub.to_child(conversation_id, {"type": "typing", "speaker": "counsellor"})

    async def note(self, counsellor: Counsellor, conversation_id: str, text: str) -> None:
        await self.database.run(handoffs.add_note, conversation_id, counsellor.id, text)
        await self._note_to_consoles(counsellor, conversation_id, text)

    async def end(self, counsellor: Counsellor, conversation_id: str) -> None:
        await self.database.run(handoffs.end, conversation_id, counsellor.id)
        await self.conversations.say(conversation_id, "system", render("web_counsellor_left"))
        await self.hub.to_child(conversation_id, {"type": "status", "status": "bot"})
        self.queue.changed()

    async def transfer(self, counsellor: Counsellor, conversation_id: str, to_id: int) -> None:
        """Passes the conversation to someone signed in to a console now, with a note and an audit entry; the child
        is told another person is taking over."""
        to = next((person for person in self.hub.counsellors() if person.id == to_id), None)
        if to is None:
            raise handoffs.TransferRefused(f"account {to_id} is not signed in to a console")
        await self.database.run(_transfer, conversation_id, counsellor, to)
        await self.conversations.say(conversation_id, "system", render("web_counsellor_transfer"))
        await self._note_to_consoles(counsellor, conversation_id, f"Passed to {to.name}.")
        self.hub.stop_watching(conversation_id, to.id)
        self.queue.changed()

    async def _note_to_consoles(self, counsellor: Counsellor, conversation_id: str, text: str) -> None:
        await self.hub.to_consoles(
            {"type": "note", "conversation": conversation_id, "author": counsellor.name, "text": text},
            watching=conversation_id,
        )

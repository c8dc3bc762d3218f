"""Children's messages the database could not take (stopped, restarting, unreachable), held in order and
handled when it is back, so none is lost.

The page keeps every message until it is acknowledged and sends it again after a reconnect, and a message is
stored once by its client id: if this process stops while holding messages, the pages still have them.
"""

from collections import deque
from dataclasses import dataclass

# Enough for a long outage at a busy evening's peak; past it a child is asked to send again.
HELD_LIMIT = 20_000


@dataclass(frozen=True)
class ChildMessage:
    conversation_id: str
    client_id: str
    text: str
    payload: str | None = None


class HeldMessages:
    """First in, first out; a conversation with a message held has all its later ones held behind it."""

    def __init__(self, limit: int = HELD_LIMIT):
        self.limit = limit
        self.queue: deque[ChildMessage] = deque()
        self.per_conversation: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.queue)

    def holds(self, conversation_id: str) -> bool:
        return conversation_id in self.per_conversation

    def hold(self, message: ChildMessage) -> bool:
        """False when full: the message was not taken."""
        if len(self.queue) >= self.limit:
            return False
        self.queue.append(message)
        self.per_conversation[message.conversation_id] = self.per_conversation.get(message.conversation_id, 0) + 1
        return True

    def first(self) -> ChildMessage | None:
        return self.queue[0] if self.queue else None

    def done_with_first(self) -> None:
        message = self.queue.popleft()
        left = self.per_conversation[message.conversation_id] - 1
        if left:
            self.per_conversation[message.conversation_id] = left
        else:
            del self.per_conversation[message.conversation_id]

"""Writes Rasa trackers through the project's tracker store, as the Rasa server would."""

import asyncio
from datetime import datetime

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.store.tracker_store import DatabaseUrlTrackerStore


def open_tracker_store(url: str | None = None) -> DatabaseUrlTrackerStore:
    """Returns a tracker store on `url` (DATABASE_URL when None) with an empty domain."""
    return DatabaseUrlTrackerStore(domain=Domain.empty(), host=url)


def save_messages(store: DatabaseUrlTrackerStore, sender_id: str, *sent_at: datetime) -> None:
    """Appends one user message per time in `sent_at` to the sender's stored tracker."""
    tracker = asyncio.run(store.retrieve(sender_id)) or DialogueStateTracker(sender_id, slots=[])
    for at in sent_at:
        tracker.update(UserUttered(f"message {len(tracker.events)}", timestamp=at.timestamp()))
    asyncio.run(store.save(tracker))


def stored_messages(store: DatabaseUrlTrackerStore, sender_id: str) -> list:
    """Returns the texts of the user messages stored for `sender_id`."""
    tracker = asyncio.run(store.retrieve(sender_id))
    if tracker is None:
        return []
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]

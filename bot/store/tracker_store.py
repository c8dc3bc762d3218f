"""Rasa's SQL tracker store, connected through the project's single DATABASE_URL setting.

It also keeps the `conversations` table in step on every save (last activity, so the
retention limit moves; region and age band), so that record never depends on the
action server being up.

It loads a bounded tracker: Rasa's own store reads and replays every event of the current
session on each message, and its policies featurize all of them, so a 500-turn conversation
was answered several times slower than a new one (`make bench`). The policies look at most a
few turns back (TEDPolicy max_history 5, short rules), so a tracker holds the session's last
TAIL_EVENTS events, from a child's message on, after what still shapes the conversation's
state from before them: the latest value of each slot, the active loop, and whether the
conversation is paused. `retrieve_full_tracker` (the HTTP API's transcript) still loads it all.
"""

import itertools
import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    ConversationResumed,
    Restarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import settings
from bot.content.facts import REGIONS
from bot.store.conversations import update_profile
from bot.store.db import ensure_sqlite_folder
from bot.vocabulary import AGE_BANDS

logger = logging.getLogger(__name__)


# SQLTrackerStore would build a URL from these; here they would silently fight DATABASE_URL.
_SEPARATE_CONNECTION_FIELDS = ("dialect", "port", "db", "username", "password", "login_db", "query")

# About 20 turns (a turn is a message, the slots it sets, the bot's actions and replies): well past what the
# policies read, and about what a new conversation has after its first few minutes.
TAIL_EVENTS = 150
# Set on each tracker this store loads: how many of its first events are already in the database (Rasa's own
# store counts the session's stored events instead, which a bounded tracker does not hold).
_STORED = "_bot_stored_events"


class DatabaseUrlTrackerStore(SQLTrackerStore):
    """Stores Rasa trackers in the `events` table of DATABASE_URL, or of `url:` in endpoints.yml."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        separate = sorted(set(_SEPARATE_CONNECTION_FIELDS) & kwargs.keys())
        if separate:
            raise ValueError(f"set DATABASE_URL (or url:) instead of {', '.join(separate)}")
        url = host or settings.DATABASE_URL
        if "://" not in url:
            raise ValueError("the tracker store url must be a full database URL")
        ensure_sqlite_folder(url)
        # SQLTrackerStore.get_db_url passes a host holding "://" through as a string,
        # which is also what create_engine_kwargs needs to spot a PostgreSQL URL.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions or not self.domain:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            rows = self._bounded_events(session, sender_id)
            events = [json.loads(row.data) for row in rows]
        if not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _STORED, len(tracker.events))
        return tracker

    def _bounded_events(self, session, sender_id: str) -> list[Any]:
        """The session's last TAIL_EVENTS events from a user message on, after the state events from before them."""
        event = self.SQLEvent
        in_session = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).order_by(None)
        tail = in_session.order_by(event.id.desc()).limit(TAIL_EVENTS + 1).all()[::-1]
        if len(tail) <= TAIL_EVENTS:
            return tail  # the whole session, as Rasa's own store loads it
        tail = list(itertools.dropwhile(lambda row: row.type_name != UserUttered.type_name, tail)) or tail
        before = in_session.filter(event.id < tail[0].id)

        def latest(types: Sequence[str], after: int = 0, per_name: bool = False) -> list[int]:
            query = before.filter(event.type_name.in_(types), event.id > after).with_entities(sa.func.max(event.id))
            return [
                row_id
                for (row_id,) in (query.group_by(event.action_name) if per_name else query).all()
                if row_id is not None
            ]

        # Before a restart nothing counts; before a reset of all slots, no slot value does.
        restart = max(latest([Restarted.type_name]), default=0)
        slot_reset = max(latest([AllSlotsReset.type_name], restart), default=restart)
        state_ids = (
            latest([SlotSet.type_name], slot_reset, per_name=True)  # a SlotSet's name is the slot
            + latest([ActiveLoop.type_name], restart)
            + latest([ConversationPaused.type_name, ConversationResumed.type_name], restart)
        )
        state = before.filter(event.id.in_(state_ids)).order_by(event.id).all() if state_ids else []
        return state + tail

    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events not yet in the database."""
        stored = getattr(tracker, _STORED, None)
        if stored is None:  # a tracker this store did not load: Rasa's own count of the stored events
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if hasattr(tracker, _STORED):
            setattr(tracker, _STORED, len(tracker.events))
        try:
            self._record_conversation(tracker)
        except Exception:  # noqa: BLE001 - the events are saved; this record must not fail the turn
            logger.exception("could not update the conversations table")

    def _record_conversation(self, tracker: DialogueStateTracker) -> None:
        country = tracker.get_slot("country")
        age_band = tracker.get_slot("age_band")
        with self.session_scope() as session:
            update_profile(
                session,
                tracker.sender_id,
                # The slot holds a raw country name until the action server has validated it.
                country=country if country in REGIONS else None,
                age_band=age_band if age_band in AGE_BANDS else None,
            )
            session.commit()

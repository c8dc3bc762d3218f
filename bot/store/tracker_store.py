"""Rasa's SQL tracker store, connected through the project's single DATABASE_URL setting.

It also keeps the `conversations` table in step on every save (last activity, so the
retention limit moves; region and age band), so that record never depends on the
action server being up.
"""
import logging
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from rasa.shared.core.trackers import DialogueStateTracker

from bot import settings
from bot.content.facts import REGIONS
from bot.store.conversations import update_profile
from bot.store.db import ensure_sqlite_folder
from bot.store.models import AgeBand

logger = logging.getLogger(__name__)

_AGE_BANDS = {band.value for band in AgeBand}

# SQLTrackerStore would build a URL from these; here they would silently fight DATABASE_URL.
_SEPARATE_CONNECTION_FIELDS = ("dialect", "port", "db", "username", "password", "login_db", "query")


class DatabaseUrlTrackerStore(SQLTrackerStore):
    """Stores Rasa trackers in the `events` table of DATABASE_URL, or of `url:` in endpoints.yml."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
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


    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
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
                age_band=age_band if age_band in _AGE_BANDS else None,
            )
            session.commit()

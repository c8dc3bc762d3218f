"""Rasa's SQL tracker store, connected through the project's single DATABASE_URL setting."""
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from bot import settings
from bot.store.db import ensure_sqlite_folder

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


"""Rasa's tracker store reaches the database through the single DATABASE_URL setting."""
import asyncio
from datetime import datetime, timezone

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from bot import settings
from bot.store.db import session_scope
from bot.store.models import AgeBand, Conversation
from bot.store.tracker_store import DatabaseUrlTrackerStore
from tests.store.rasa_events import open_tracker_store, save_messages, stored_messages

NOW = datetime.now(timezone.utc)


def test_saves_and_retrieves_a_tracker(tracker_store):
    save_messages(tracker_store, "alice", NOW, NOW, NOW)
    assert stored_messages(tracker_store, "alice") == ["message 0", "message 1", "message 2"]
    assert stored_messages(tracker_store, "nobody") == []


def test_defaults_to_database_url_setting(database_url, monkeypatch):
    monkeypatch.setattr(settings, "DATABASE_URL", database_url)
    store = open_tracker_store()
    store.engine.dispose()
    assert store.engine.url == make_url(database_url)


def test_loads_from_endpoints_yml_like_rasa(database_url):
    endpoint = EndpointConfig(
        type="bot.store.tracker_store.DatabaseUrlTrackerStore", url=database_url
    )
    store = TrackerStore.create(endpoint)
    store.engine.dispose()
    assert isinstance(store, DatabaseUrlTrackerStore)
    assert store.engine.url == make_url(database_url)


def test_postgresql_keeps_rasa_engine_settings(postgres_database_url):
    store = open_tracker_store(postgres_database_url)
    store.engine.dispose()
    assert store.engine.pool.size() == 50  # Rasa's default SQL_POOL_SIZE


def test_rejects_separate_connection_fields():
    with pytest.raises(ValueError, match="dialect, port"):
        DatabaseUrlTrackerStore(dialect="postgresql", port=5432)


def test_saving_a_tracker_records_the_conversation_for_retention(engine, tracker_store):
    tracker = DialogueStateTracker(
        "carol",
        slots=[AnySlot(name, mappings=[{}]) for name in ("country", "age_band")],
    )
    tracker.update(UserUttered("i live in ireland", timestamp=NOW.timestamp()))
    tracker.update(SlotSet("country", "ie"))
    tracker.update(SlotSet("age_band", "teen"))
    asyncio.run(tracker_store.save(tracker))

    with session_scope(engine) as session:
        conversation = session.get(Conversation, "carol")
        assert (conversation.country, conversation.age_band) == ("ie", AgeBand.TEEN)
        assert conversation.delete_after > NOW


def test_a_raw_country_name_is_not_stored_as_a_region(engine, tracker_store):
    tracker = DialogueStateTracker("dave", slots=[AnySlot("country", mappings=[{}])])
    tracker.update(SlotSet("country", "united states of america"))
    asyncio.run(tracker_store.save(tracker))

    with session_scope(engine) as session:
        assert session.get(Conversation, "dave").country is None

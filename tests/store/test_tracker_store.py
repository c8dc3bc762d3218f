"""Rasa's tracker store reaches the database through the single DATABASE_URL setting."""
from datetime import datetime, timezone

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from bot import settings
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

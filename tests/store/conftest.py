"""Fixtures for the storage tests."""

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.store.tracker_store import DatabaseUrlTrackerStore
from tests.store.databases import migrated_engine
from tests.store.rasa_events import open_tracker_store


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the newest revision."""
    with migrated_engine(database_url) as engine:
        yield engine


@pytest.fixture
def tracker_store(database_url: str) -> Iterator[DatabaseUrlTrackerStore]:
    """Rasa's tracker store on the test database, as the Rasa server would open it."""
    store = open_tracker_store(database_url)
    yield store
    store.engine.dispose()

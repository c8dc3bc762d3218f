"""Rasa's tracker store reaches the database through the single DATABASE_URL setting."""

import asyncio
from datetime import datetime, timezone

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    Restarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from bot import settings
from bot.store.db import session_scope
from bot.store.models import AgeBand, Conversation
from bot.store.tracker_store import TAIL_EVENTS, DatabaseUrlTrackerStore
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
    endpoint = EndpointConfig(type="bot.store.tracker_store.DatabaseUrlTrackerStore", url=database_url)
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


# A long conversation loads bounded: the session's last events, after each slot's latest value and the loop.
SLOTS = ("country", "age_band", "risk_level")
DOMAIN = Domain.from_dict({"slots": {name: {"type": "any", "mappings": [{"type": "custom"}]} for name in SLOTS}})


def long_conversation(store, sender_id: str, events: list, turns: int) -> None:
    """Saves `events`, then `turns` turns of a message, a slot set and a reply, the way Rasa adds them."""
    tracker = DialogueStateTracker(sender_id, slots=DOMAIN.slots)
    for event in events:
        tracker.update(event)
    for turn in range(turns):
        tracker.update(UserUttered(f"message {turn}"))
        tracker.update(SlotSet("risk_level", f"level {turn % 3}"))
        tracker.update(ActionExecuted("utter_reply"))
        tracker.update(BotUttered(f"reply {turn}"))
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    asyncio.run(store.save(tracker))


@pytest.fixture
def bounded_store(database_url):
    store = DatabaseUrlTrackerStore(domain=DOMAIN, host=database_url)
    yield store
    store.engine.dispose()


def test_a_long_conversation_loads_its_last_events_and_every_state_from_before(bounded_store):
    early = [
        UserUttered("hi"),
        SlotSet("country", "ie"),
        SlotSet("age_band", "teen"),
        ActiveLoop("profile_form"),
        ConversationPaused(),
        SlotSet("age_band", "adult"),
    ]
    long_conversation(bounded_store, "long", early, turns=TAIL_EVENTS)

    bounded = asyncio.run(bounded_store.retrieve("long"))
    full = asyncio.run(bounded_store.retrieve_full_tracker("long"))
    assert len(full.events) == len(early) + 5 * TAIL_EVENTS
    assert len(bounded.events) <= TAIL_EVENTS + len(SLOTS) + 2
    assert bounded.current_slot_values() == full.current_slot_values()
    assert bounded.current_slot_values()["age_band"] == "adult"
    assert bounded.active_loop_name == full.active_loop_name == "profile_form"
    assert bounded.is_paused() and full.is_paused()
    tail = list(bounded.events)[-TAIL_EVENTS + 5 :]
    assert tail == list(full.events)[-len(tail) :]
    assert bounded.latest_message.text == f"message {TAIL_EVENTS - 1}"
    assert isinstance(
        next(e for e in bounded.events if not isinstance(e, (SlotSet, ActiveLoop, ConversationPaused))), UserUttered
    )


def test_a_short_conversation_loads_whole(bounded_store):
    long_conversation(bounded_store, "short", [SlotSet("country", "ie")], turns=5)
    assert list(asyncio.run(bounded_store.retrieve("short")).events) == list(
        asyncio.run(bounded_store.retrieve_full_tracker("short")).events
    )


def test_a_bounded_tracker_saves_only_its_new_events_in_order(bounded_store):
    long_conversation(bounded_store, "grows", [SlotSet("country", "ie")], turns=TAIL_EVENTS)
    for turn in range(3):  # saved more than once, as Rasa does for a message and its actions
        tracker = asyncio.run(bounded_store.retrieve("grows"))
        tracker.update(UserUttered(f"new {turn}"))
        asyncio.run(bounded_store.save(tracker))
        tracker.update(BotUttered(f"new reply {turn}"))
        asyncio.run(bounded_store.save(tracker))

    full = asyncio.run(bounded_store.retrieve_full_tracker("grows"))
    assert len(full.events) == 1 + 5 * TAIL_EVENTS + 6
    assert [e.text for e in list(full.events)[-6:]] == [
        "new 0",
        "new reply 0",
        "new 1",
        "new reply 1",
        "new 2",
        "new reply 2",
    ]


def test_nothing_from_before_a_restart_or_a_slot_reset_comes_back(bounded_store):
    early = [SlotSet("country", "ie"), ActiveLoop("profile_form"), AllSlotsReset(), SlotSet("age_band", "teen")]
    long_conversation(bounded_store, "reset", early, turns=TAIL_EVENTS)
    tracker = asyncio.run(bounded_store.retrieve("reset"))
    assert tracker.get_slot("country") is None
    assert tracker.get_slot("age_band") == "teen"
    assert tracker.active_loop_name == "profile_form"  # a slot reset leaves the loop

    long_conversation(
        bounded_store, "restart", [SlotSet("country", "ie"), ActiveLoop("profile_form"), Restarted()], turns=TAIL_EVENTS
    )
    tracker = asyncio.run(bounded_store.retrieve("restart"))
    assert tracker.get_slot("country") is None
    assert tracker.active_loop_name is None

"""The web app finds Rasa's stored answer to one of its messages, by the client id sent along as metadata."""

import asyncio

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.store.db import make_engine, session_scope
from bot.store.rasa_events import bot_answers_to
from bot.web.core.rasa import BotReply, turn_from_answers

BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def _save(tracker_store, *events) -> None:
    tracker = DialogueStateTracker("alice", slots=[])
    for event in events:
        tracker.update(event)
    asyncio.run(tracker_store.save(tracker))


def _answers(database_url, client_id, sender="alice"):
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return bot_answers_to(session, sender, client_id)
    finally:
        engine.dispose()


def test_rasas_answer_to_each_message_is_found_by_its_client_id(tracker_store, database_url):
    _save(
        tracker_store,
        UserUttered("hi", metadata={"client_id": "c-1"}),
        ActionExecuted("utter_greet"),
        BotUttered("Hello.", data={"buttons": BUTTONS}),
        SlotSet("region", "UK"),
        BotUttered("Do you want to talk to a person?", data={"custom": {"handoff": True}}),
        UserUttered("thanks", metadata={"client_id": "c-2"}),
        BotUttered("You're welcome."),
        UserUttered("typed on Rasa's own channel"),
    )

    assert _answers(database_url, "c-1") == [
        {"text": "Hello.", "buttons": BUTTONS},
        {"text": "Do you want to talk to a person?", "buttons": []},
        {"custom": {"handoff": True}},
    ]
    assert _answers(database_url, "c-2") == [{"text": "You're welcome.", "buttons": []}]
    assert _answers(database_url, "c-3") is None  # Rasa never took it
    assert _answers(database_url, "c-1", sender="bob") is None
    # As the web app reads them: the helpline offer gives way to the live handoff.
    turn = turn_from_answers(_answers(database_url, "c-1"))
    assert turn.replies == [BotReply("Hello.", BUTTONS)] and turn.offers_person


def test_a_message_rasa_took_without_answering_has_no_answers(tracker_store, database_url):
    _save(tracker_store, UserUttered("hi", metadata={"client_id": "c-1"}), ActionExecuted("action_listen"))

    assert _answers(database_url, "c-1") == []

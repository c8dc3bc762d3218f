"""Starts each conversation session: records it for retention and keeps the child's region and age band."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_log import note_activity

# A new session keeps what the child told us, so they are not asked again.
CARRIED_OVER_SLOTS = ("country", "age_band", "audience")


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        note_activity(tracker.sender_id)
        events: List[EventType] = [SessionStarted()]
        events += [
            SlotSet(name, tracker.slots.get(name))
            for name in CARRIED_OVER_SLOTS
            if tracker.slots.get(name) is not None
        ]
        events.append(ActionExecuted("action_listen"))
        return events

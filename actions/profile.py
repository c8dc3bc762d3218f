"""Turns what the child says about their country and age into the region and age band slots."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot.content.audience import age_band_for, age_from, region_for_country_entity


class ValidateProfileSlots(ValidationAction):
    """Runs after every message that fills `country` or `age`, before the bot replies."""

    def validate_country(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        region = region_for_country_entity(str(slot_value)) if slot_value else None
        if region is None:
            # Keep whatever region we had: an unreadable answer must not reset it.
            return {"country": tracker.slots.get("country")}
        return {"country": region}

    def validate_age(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        band = age_band_for(age_from(str(slot_value)))
        # The age itself is dropped at once: only the band is kept.
        if band is None:
            return {"age": None}
        audience = "adult" if band == "adult" else "young"
        return {"age": None, "age_band": band, "audience": audience}

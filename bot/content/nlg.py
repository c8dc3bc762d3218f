"""Rasa's natural language generator for this bot: the published content, not the trained domain.

endpoints.yml names it (`nlg: type: bot.content.nlg.PublishedResponseGenerator`), so the words a
child reads come from the last release staff published (bot/content/published.py), with the
numbers and addresses of the published, person-checked facts filled in. A change needs no
retraining and no restart. The model's own domain responses fill any gap.
"""

import logging
from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.content.published import PublishedContent, published
from bot.content.variants import candidates, fill, placeholders

log = logging.getLogger(__name__)


class PublishedResponseGenerator(TemplatedNaturalLanguageGenerator):
    responses: dict[str, list[dict[str, Any]]]  # the parent's; generate_from_slots sets it for each reply

    def __init__(
        self, endpoint_config=None, domain: Domain | None = None, content: PublishedContent | None = None
    ) -> None:
        super().__init__(dict(domain.responses) if domain else {})
        self.trained_responses = dict(self.responses)
        self.content = content or published()

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        return self.generate_from_slots(utter_action, tracker.current_slot_values(), output_channel, **kwargs)

    def generate_from_slots(
        self, utter_action: str, filled_slots: dict[str, Any], output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        content = self.content.current()
        for source in (content.responses, self.trained_responses):
            variants = self._sendable(source.get(utter_action), content.contacts)
            if candidates(variants, filled_slots, output_channel):
                break
        else:
            log.error("no sendable variant of %s in release %s", utter_action, content.release)
            return None
        # The parent picks among the variants that fit the slots; _fill_response fills them in.
        self.responses = {utter_action: variants}
        return super().generate_from_slots(utter_action, filled_slots, output_channel, **{**kwargs, **content.contacts})

    def _fill_response(
        self, response: dict[str, Any], filled_slots: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Fills {name} placeholders in the text and button titles only, facts over slots.

        Rasa's own filling would also read a button's payload (`/tell_age{"age": "15"}`) as
        placeholders, and log a long error for every such button of every reply.
        """
        values = {**(filled_slots or {}), **kwargs}
        if response.get("text"):
            response["text"] = fill(response["text"], values)
        for button in response.get("buttons") or []:
            button["title"] = fill(button.get("title", ""), values)
        return response

    @staticmethod
    def _sendable(variants: list[dict] | None, contacts: dict[str, str]) -> list[dict]:
        """Variants whose every fact is a published, checked contact: a missing number is never sent as {code}."""
        return [variant for variant in variants or [] if placeholders(variant) <= contacts.keys()]

"""Rasa's natural language generator for this bot: the published content, not the trained domain.

endpoints.yml names it (`nlg: type: bot.content.nlg.PublishedResponseGenerator`), so the words a
child reads come from the last release staff published (bot/content/published.py), with the
numbers and addresses of the published, person-checked facts filled in. A change needs no
retraining and no restart. The model's own domain responses fill any gap.
"""
import logging
from typing import Any, Dict, List, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.content.published import PublishedContent, published
from bot.content.variants import candidates, placeholders

log = logging.getLogger(__name__)


class PublishedResponseGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config=None, domain: Optional[Domain] = None,
                 content: Optional[PublishedContent] = None) -> None:
        super().__init__(dict(domain.responses) if domain else {})
        self.trained_responses = dict(self.responses)
        self.content = content or published()

    async def generate(self, utter_action: str, tracker: DialogueStateTracker, output_channel: str,
                       **kwargs: Any) -> Optional[Dict[str, Any]]:
        return self.generate_from_slots(utter_action, tracker.current_slot_values(), output_channel, **kwargs)

    def generate_from_slots(self, utter_action: str, filled_slots: Dict[str, Any], output_channel: str,
                            **kwargs: Any) -> Optional[Dict[str, Any]]:
        content = self.content.current()
        for source in (content.responses, self.trained_responses):
            variants = self._sendable(source.get(utter_action), content.contacts)
            if candidates(variants, filled_slots, output_channel):
                break
        else:
            log.error("no sendable variant of %s in release %s", utter_action, content.release)
            return None
        # The parent picks among the variants that fit the slots, then fills them in; facts win
        # over any slot of the same name.
        self.responses = {utter_action: variants}
        return super().generate_from_slots(utter_action, filled_slots, output_channel,
                                           **{**kwargs, **content.contacts})

    @staticmethod
    def _sendable(variants: Optional[List[dict]], contacts: Dict[str, str]) -> List[dict]:
        """Variants whose every fact is a published, checked contact: a missing number is never sent as {code}."""
        return [variant for variant in variants or [] if placeholders(variant) <= contacts.keys()]

"""Rasa NLU component: runs the risk detector on every message, so rules answer risk before anything else.

It sits last in the pipeline. When the detector finds risk, the message's intent becomes
`risk_imminent`, `risk_high` or `risk_concern` (or `immediate_danger` for an offender's threat to
come round some time) whatever the classifier thought (that guess stays next in the ranking, and
in `risk.classified_intent`), and entities carry the kind, who
is at risk, and the highest level seen in the conversation, which fill the `risk_*` slots.
The classifier may also have learnt the risk intents from examples; without the detector's
evidence such a guess only ever becomes a check-in (`risk_concern`), never an emergency. A message
nobody understood (`nlu_fallback`) with a crisis cue in it becomes `safety_check_in`.
"""

from dataclasses import replace
from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.component import StatelessComponent
from bot.nlp.intent import put_intent_first
from bot.risk import Evidence, RiskLevel, assess, warm_up
from bot.risk.cues import crisis_cues

RISK_INTENT_PREFIX = "risk_"
HISTORY_MESSAGES = 3
# A threat to come round some time already has its own answer: the emergency number, don't meet him.
OFFENDER_THREAT_INTENT = "immediate_danger"
# A message the classifier could not place that carries a crisis cue (cues.yaml, any language) is not answered
# "I'm not sure I understood": it gets "Are you safe right now?" with the emergency number.
FALLBACK_INTENT = "nlu_fallback"
CHECK_IN_INTENT = "safety_check_in"


def dialogue_intent(level: RiskLevel, kind: str, manipulation: bool) -> str:
    if level == RiskLevel.CONCERN and kind == "offender_danger" and not manipulation:
        return OFFENDER_THREAT_INTENT
    return f"{RISK_INTENT_PREFIX}{level.value}"


def recent_child_messages(tracker: Optional[DialogueStateTracker]) -> List[str]:
    """The child's last few messages before this one, oldest first."""
    if tracker is None:
        return []
    texts = [
        event.text
        for event in reversed(tracker.events)
        if isinstance(event, UserUttered) and event.text and not event.text.startswith("/")
    ]
    return list(reversed(texts[:HISTORY_MESSAGES]))


def highest_level_so_far(tracker: Optional[DialogueStateTracker]) -> RiskLevel:
    value = tracker.get_slot("risk_level") if tracker is not None else None
    return RiskLevel(value) if value in {level.value for level in RiskLevel} else RiskLevel.NONE


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RiskDetector(StatelessComponent):
    @classmethod
    def prepare(cls) -> None:
        warm_up()

    # The parameter must be called `tracker`: Rasa's recipe then passes the conversation in.
    def process(self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None) -> List[Message]:
        history = recent_child_messages(tracker)
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # a button payload, not something the child typed
            self._apply(message, assess(text, history), highest_level_so_far(tracker))
        return messages

    @staticmethod
    def _apply(message: Message, result, highest_so_far: RiskLevel) -> None:
        classified = (message.get(INTENT) or {}).get("name")
        level, intent_name = result.level, dialogue_intent(result.level, result.kind, result.manipulation)
        if level == RiskLevel.NONE and classified and classified.startswith(RISK_INTENT_PREFIX):
            level, intent_name = RiskLevel.CONCERN, dialogue_intent(RiskLevel.CONCERN, "none", False)
        # A cue ("tabletki") in a message no rule read asks whether the child is safe, also when the model alone
        # guessed concern: the safety question carries the emergency number, the concern check-in does not.
        guessed = level == RiskLevel.CONCERN and all(e.rule.startswith("model.") for e in result.evidence)
        not_understood = (level == RiskLevel.NONE and classified == FALLBACK_INTENT) or guessed
        cues = crisis_cues(message.get(TEXT)) if not_understood else []
        if cues:
            level, intent_name = RiskLevel.CONCERN, CHECK_IN_INTENT
            result = replace(result, evidence=tuple(Evidence("cue", cue) for cue in cues))
        risk = {**result.as_dict(), "level": level.value, "classified_intent": classified}
        message.set("risk", risk, add_to_output=True)
        if level == RiskLevel.NONE:
            return

        put_intent_first(message, intent_name)

        kind = "manipulation" if result.manipulation else result.kind
        values = {
            "risk_level": max(level, highest_so_far).value,
            "risk_kind": kind,
            "risk_about": result.about,
        }
        text = message.get(TEXT) or ""
        entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") not in values]
        entities += [
            {"entity": name, "value": value, "start": 0, "end": len(text), "extractor": "RiskDetector"}
            for name, value in values.items()
        ]
        message.set(ENTITIES, entities, add_to_output=True)

"""Setting a message's intent from a rule, as the project's own NLU components do."""

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


def put_intent_first(message: Message, name: str) -> None:
    """The message's intent becomes `name`, sure; the classifier's guesses stay next in the ranking."""
    intent = {"name": name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)

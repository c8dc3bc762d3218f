"""Rasa NLU component: a message of emoji alone is never guessed at by the classifier.

Character n-grams make the classifier place "🙈🙈" or "🤷" among intents it learnt from words, and the child
got "Okay. Is there something else I can help with?". A thumbs up or down answers a yes/no question; any
other emoji-only message becomes `only_emoji`, which gets a gentle question in words. Emoji of distress or
of a means of harm are the risk detector's (bot/risk/emoji.py), which runs after this and wins.
"""

from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.component import StatelessComponent
from bot.nlp.intent import put_intent_first
from bot.risk.emoji import emoji_only

ONLY_EMOJI_INTENT = "only_emoji"
YES = set("👍👌✅☑✔🆗")
NO = set("👎❌✖🙅🚫")


def emoji_intent(text: str) -> Optional[str]:
    """The intent a message of emoji alone stands for; None when the message has words in it."""
    symbols = emoji_only(text)
    if symbols is None:
        return None
    if set(symbols) <= YES:
        return "affirm"
    if set(symbols) <= NO:
        return "deny"
    return ONLY_EMOJI_INTENT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmojiOnlyIntent(StatelessComponent):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            name = emoji_intent(message.get(TEXT) or "")
            if name is None:
                continue
            put_intent_first(message, name)
        return messages

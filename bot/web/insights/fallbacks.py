"""Children's messages as Rasa read them, and those it did not understand, redacted for staff to review."""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
import yaml

from bot import settings
from bot.store.models import Conversation
from bot.store.rasa_events import events as rasa_events
from bot.web.insights.period import DEFAULT_PERIOD, REGION_NAMES, Period, connection_of, in_region, last_days

FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
# Used when config.yml has no FallbackClassifier.
DEFAULT_FALLBACK_THRESHOLD = 0.4
MAX_FALLBACK_MESSAGES = 200
REMOVED = "[removed]"


@dataclass(frozen=True)
class ChildTurn:
    """One message a child sent to Rasa, and the intent Rasa recognised in it."""

    text: str
    intent: str | None
    confidence: float | None


@cache
def fallback_threshold() -> float:
    """The FallbackClassifier's threshold in config.yml: below it, Rasa did not understand."""
    with open(settings.PROJECT_ROOT / "config.yml", encoding="utf-8") as handle:
        pipeline = yaml.safe_load(handle).get("pipeline") or []
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", DEFAULT_FALLBACK_THRESHOLD))
    return DEFAULT_FALLBACK_THRESHOLD


def fallback_kind(turn: ChildTurn) -> str | None:
    """Why the turn counts as a fallback (its intent, or "low_confidence"), or None if the bot understood it."""
    if turn.intent in FALLBACK_INTENTS:
        return turn.intent
    if turn.confidence is not None and turn.confidence < fallback_threshold():
        return "low_confidence"
    return None


def fallback_names() -> dict[str, str]:
    """What each kind of fallback is called on the page."""
    return {
        "nlu_fallback": "Not understood (nlu_fallback)",
        "out_of_scope": "Out of scope (out_of_scope)",
        "low_confidence": f"Unsure (confidence below {fallback_threshold():g})",
    }


def _child_turn(data: str | None) -> ChildTurn:
    event = json.loads(data or "{}")
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return ChildTurn(event.get("text") or "", intent.get("name"), intent.get("confidence"))


def child_turns(connection, period: Period, region: str | None) -> list[ChildTurn]:
    """Children's messages to Rasa in the period, most recent first (none before Rasa created its table)."""
    if not sa.inspect(connection).has_table(rasa_events.name):
        return []
    rows = connection.execute(
        sa.select(rasa_events.c.data)
        .select_from(rasa_events.outerjoin(Conversation.__table__, Conversation.sender_id == rasa_events.c.sender_id))
        .where(
            rasa_events.c.type_name == "user", rasa_events.c.timestamp >= period.start.timestamp(), in_region(region)
        )
        .order_by(rasa_events.c.timestamp.desc())
    )
    return [_child_turn(data) for (data,) in rows]


# Anything that could reach a person: web addresses first (they may hold @ and digits), then email
# addresses, @handles, bare domains ("wa.me/...", "snapchat.com"), and phone numbers: seven digits
# or more, maybe with spaces, dots, dashes or brackets between them.
_CONTACT_PATTERNS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:https?://|www\.)\S+",
        r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
        r"(?<!\w)@\w+(?:\.\w+)*",
        r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}/\S*",
        r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|uk|us|ie|ca|au|app|gg|tv|ly|xyz|link)\b",
        r"\+?\(?\d(?:[\s().-]*\d){6,}",
    )
]
# What PyYAML cannot read, so a pasted control character cannot break the export.
_NOT_YAML_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def redact(text: str) -> str:
    """The text with anything like a phone number, email or web address, or @handle replaced by [removed]."""
    for pattern in _CONTACT_PATTERNS:
        text = pattern.sub(REMOVED, text)
    return text


def _one_line(text: str) -> str:
    return " ".join(_NOT_YAML_PRINTABLE.sub("", text).split())


@dataclass
class FallbackMessage:
    """A message the bot did not understand, and how many times children wrote it."""

    text: str  # redacted, on one line, as it was written most recently
    count: int


def fallback_messages(
    db,
    days: int = DEFAULT_PERIOD,
    region: str | None = None,
    now: datetime | None = None,
    limit: int = MAX_FALLBACK_MESSAGES,
) -> list[FallbackMessage]:
    """Children's messages the bot did not understand, redacted, most recent first, the same words counted once."""
    period = last_days(days, now)
    found: dict[str, FallbackMessage] = {}
    for turn in child_turns(connection_of(db), period, region):
        if fallback_kind(turn) is None or turn.text.startswith("/"):  # "/..." is a button, not typed words
            continue
        text = _one_line(redact(turn.text))
        key = text.casefold()
        if key in found:
            found[key].count += 1
        elif text and len(found) < limit:
            found[key] = FallbackMessage(text, 1)
    return list(found.values())


def nlu_yaml(messages: Iterable[FallbackMessage], days: int, region: str | None) -> str:
    """Rasa NLU training data with every message as an example of `review_me`, for staff to move to the right intent."""
    where = REGION_NAMES[region] if region else "every region"
    lines = [
        f"# Messages the assistant did not understand in the last {days} days ({where}), contacts removed.",
        "# Move each example to the intent it means (data/nlu/), or delete it.",
        'version: "3.1"',
        "nlu:",
        "- intent: review_me",
        "  examples: |",
    ]
    lines += [f"    - {message.text}" for message in messages]
    return "\n".join(lines) + "\n"

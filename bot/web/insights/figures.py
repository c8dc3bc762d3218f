"""Figures for the insights page (counts and durations, never who), and the messages the bot did not understand."""

import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from bot import settings
from bot.content.facts import REGIONS
from bot.store.models import Conversation, Handoff, Message, RiskLevel, Speaker
from bot.store.rasa_events import events as rasa_events
from bot.store.utc import utc_now

Counts = list[tuple[str, int]]

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
UNKNOWN_REGION = "unknown"  # no region recorded: Rasa never answered (its slot starts at "uk")
REGION_CHOICES = (*REGIONS, UNKNOWN_REGION)
REGION_NAMES = {
    "uk": "UK",
    "us": "USA",
    "ie": "Ireland",
    "ca": "Canada",
    "au": "Australia",
    "elsewhere": "Elsewhere",
    UNKNOWN_REGION: "Not known",
}
# Risk is counted once, by the level the web app's detector gave each message when it arrived (the level that
# called a counsellor): "messages by risk level". Rasa's own risk intents are the same detector read again
# inside Rasa, with Rasa's view of the conversation, so the intents chart leaves them out rather than disagree.
RISK_INTENTS = {"risk_imminent", "risk_high", "risk_concern"}
REASON_NAMES = {"risk": "Risk", "child_asked": "Child asked", "counsellor_picked": "Counsellor picked"}
STATUS_NAMES = {"waiting": "Waiting", "active": "With a counsellor", "ended": "Ended"}
FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
# Used when config.yml has no FallbackClassifier.
DEFAULT_FALLBACK_THRESHOLD = 0.4
MAX_FALLBACK_MESSAGES = 200
REMOVED = "[removed]"
# Upper bounds, in seconds, of the bars of the waiting-time chart.
WAIT_BUCKETS = (
    (60, "Under 1 minute"),
    (5 * 60, "1 to 5 minutes"),
    (15 * 60, "5 to 15 minutes"),
    (60 * 60, "15 to 60 minutes"),
    (math.inf, "Over an hour"),
)
NEVER_CLAIMED = "Never claimed"


# ---------------------------------------------------------------- the period and the region


@dataclass(frozen=True)
class Period:
    """The last few days up to now, counted in whole days of the counsellors' time zone."""

    first_day: date
    last_day: date
    start: datetime  # UTC: midnight at the start of first_day, local time
    zone: ZoneInfo

    def local_days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]


def period_ending(now: datetime, days: int, zone: ZoneInfo) -> Period:
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(timezone.utc)
    return Period(first_day, today, start, zone)


def chosen_period(value: str | None) -> int:
    """The `days` query parameter as one of PERIODS; anything else is the default."""
    return int(value) if value in {str(days) for days in PERIODS} else DEFAULT_PERIOD


def chosen_region(value: str | None) -> str | None:
    """The `region` query parameter as one of REGION_CHOICES, or None for every region."""
    return value if value in REGION_CHOICES else None


def _in_region(region: str | None):
    if region is None:
        return sa.true()
    if region == UNKNOWN_REGION:
        return Conversation.country.is_(None)
    return Conversation.country == region


def _region_of(country: str | None) -> str:
    return country if country in REGIONS else UNKNOWN_REGION


# ---------------------------------------------------------------- children's messages as Rasa read them


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
            rasa_events.c.type_name == "user", rasa_events.c.timestamp >= period.start.timestamp(), _in_region(region)
        )
        .order_by(rasa_events.c.timestamp.desc())
    )
    return [_child_turn(data) for (data,) in rows]


# ---------------------------------------------------------------- the figures


@dataclass(frozen=True)
class Waits:
    """How long children waited for a counsellor to claim their handoff."""

    claimed: int
    never_claimed: int  # including any still waiting now
    median_seconds: float | None
    p90_seconds: float | None
    buckets: Counts


@dataclass(frozen=True)
class RegionRow:
    """Conversations started and handoffs in one region."""

    region: str
    name: str
    conversations: int
    handoffs: int


@dataclass(frozen=True)
class Insights:
    """Every figure of the insights page, for one period and one region (None: every region)."""

    days: int
    region: str | None
    timezone: str
    conversations: int
    conversations_per_day: list[tuple[date, int]]
    conversations_per_hour: list[tuple[int, int]]
    child_messages: int
    intents: Counts  # most recognised first
    fallbacks: Counts  # by kind, see fallback_names()
    messages_by_risk: Counts
    conversations_by_risk: Counts
    handoffs: int
    handoffs_by_reason: Counts
    handoffs_by_status: Counts
    waits: Waits
    regions: list[RegionRow]  # every region, whatever the region filter

    @property
    def fallback_total(self) -> int:
        return sum(count for _, count in self.fallbacks)


def _connection(db):
    return db.connection() if isinstance(db, Session) else db


def _value(member) -> str | None:
    return getattr(member, "value", member)


def _most_first(counter: Counter) -> Counts:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _in_order(counter: Counter, names: dict[str, str]) -> Counts:
    """Every name in its declared order, zeros included, so charts keep their shape."""
    return [(name, counter.get(key, 0)) for key, name in names.items()]


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def waits(requested_and_claimed: Iterable[tuple[datetime, datetime | None]]) -> Waits:
    pairs = list(requested_and_claimed)
    seconds = sorted((claimed - requested).total_seconds() for requested, claimed in pairs if claimed is not None)
    never = len(pairs) - len(seconds)
    buckets = Counter(next(name for limit, name in WAIT_BUCKETS if wait < limit) for wait in seconds)
    return Waits(
        claimed=len(seconds),
        never_claimed=never,
        median_seconds=statistics.median(seconds) if seconds else None,
        p90_seconds=percentile(seconds, 0.9),
        buckets=[(name, buckets.get(name, 0)) for _, name in WAIT_BUCKETS] + [(NEVER_CLAIMED, never)],
    )


def _conversation_starts(connection, period: Period, region: str | None) -> list[datetime]:
    return list(
        connection.execute(
            sa.select(Conversation.started_at).where(Conversation.started_at >= period.start, _in_region(region))
        ).scalars()
    )


def _per_day(starts: list[datetime], period: Period) -> list[tuple[date, int]]:
    counts = Counter(start.astimezone(period.zone).date() for start in starts)
    return [(day, counts.get(day, 0)) for day in period.local_days()]


def _per_hour(starts: list[datetime], zone: ZoneInfo) -> list[tuple[int, int]]:
    counts = Counter(start.astimezone(zone).hour for start in starts)
    return [(hour, counts.get(hour, 0)) for hour in range(24)]


_RISK_NAMES = {level.value: level.value.capitalize() for level in RiskLevel}


def _messages_by_risk(connection, period: Period, region: str | None) -> Counts:
    rows = connection.execute(
        sa.select(Message.risk_level, sa.func.count())
        .join(Conversation, Conversation.sender_id == Message.conversation_id)
        .where(Message.speaker == Speaker.CHILD, Message.created_at >= period.start, _in_region(region))
        .group_by(Message.risk_level)
    )
    counts: Counter[str] = Counter()
    for level, count in rows:
        counts[_value(level) or RiskLevel.NONE.value] += count  # a message without risk has no level
    return _in_order(counts, _RISK_NAMES)


def _conversations_by_risk(connection, period: Period, region: str | None) -> Counts:
    rows = connection.execute(
        sa.select(Conversation.risk_level, sa.func.count())
        .where(Conversation.started_at >= period.start, _in_region(region))
        .group_by(Conversation.risk_level)
    )
    return _in_order(Counter({_value(level): count for level, count in rows}), _RISK_NAMES)


def _handoff_rows(connection, period: Period, region: str | None):
    return list(
        connection.execute(
            sa.select(Handoff.reason, Handoff.status, Handoff.requested_at, Handoff.claimed_at)
            .join(Conversation, Conversation.sender_id == Handoff.conversation_id)
            .where(Handoff.requested_at >= period.start, _in_region(region))
        )
    )


def _regions(connection, period: Period) -> list[RegionRow]:
    conversations: Counter[str] = Counter()
    for country, count in connection.execute(
        sa.select(Conversation.country, sa.func.count())
        .where(Conversation.started_at >= period.start)
        .group_by(Conversation.country)
    ):
        conversations[_region_of(country)] += count
    handoffs: Counter[str] = Counter()
    for country, count in connection.execute(
        sa.select(Conversation.country, sa.func.count())
        .join(Handoff, Handoff.conversation_id == Conversation.sender_id)
        .where(Handoff.requested_at >= period.start)
        .group_by(Conversation.country)
    ):
        handoffs[_region_of(country)] += count
    return [
        RegionRow(region, REGION_NAMES[region], conversations[region], handoffs[region]) for region in REGION_CHOICES
    ]


def insights(db, days: int = DEFAULT_PERIOD, region: str | None = None, now: datetime | None = None) -> Insights:
    """Every figure of the insights page for the last `days` days, for one region or (None) all."""
    connection = _connection(db)
    zone = ZoneInfo(settings.COUNSELLOR_TIMEZONE)
    period = period_ending(now or utc_now(), days, zone)
    starts = _conversation_starts(connection, period, region)
    turns = child_turns(connection, period, region)
    handoffs = _handoff_rows(connection, period, region)
    fallback_kinds = Counter(fallback_kind(turn) for turn in turns)
    return Insights(
        days=days,
        region=region,
        timezone=settings.COUNSELLOR_TIMEZONE,
        conversations=len(starts),
        conversations_per_day=_per_day(starts, period),
        conversations_per_hour=_per_hour(starts, zone),
        child_messages=len(turns),
        intents=_most_first(Counter(turn.intent for turn in turns if turn.intent and turn.intent not in RISK_INTENTS)),
        fallbacks=_in_order(fallback_kinds, fallback_names()),
        messages_by_risk=_messages_by_risk(connection, period, region),
        conversations_by_risk=_conversations_by_risk(connection, period, region),
        handoffs=len(handoffs),
        handoffs_by_reason=_in_order(Counter(_value(row.reason) for row in handoffs), REASON_NAMES),
        handoffs_by_status=_in_order(Counter(_value(row.status) for row in handoffs), STATUS_NAMES),
        waits=waits((row.requested_at, row.claimed_at) for row in handoffs),
        regions=_regions(connection, period),
    )


def format_duration(seconds: float | None) -> str:
    """A wait in words a person reads at a glance: "45 s", "3 min 20 s", "2 h 5 min"."""
    if seconds is None:
        return "none claimed"
    if seconds < 0.5:
        return "under 1 s"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


# ---------------------------------------------------------------- what the bot did not understand

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
    period = period_ending(now or utc_now(), days, ZoneInfo(settings.COUNSELLOR_TIMEZONE))
    found: dict[str, FallbackMessage] = {}
    for turn in child_turns(_connection(db), period, region):
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

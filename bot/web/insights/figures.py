"""Figures for the insights page: counts and durations, never who."""

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot import settings
from bot.store.models import Conversation, Handoff, Message, RiskLevel, Speaker
from bot.web.insights.fallbacks import child_turns, fallback_kind, fallback_names
from bot.web.insights.period import (
    DEFAULT_PERIOD,
    REGION_CHOICES,
    REGION_NAMES,
    Period,
    connection_of,
    in_region,
    last_days,
    region_of,
)

Counts = list[tuple[str, int]]

# Risk is counted once, by the level the web app's detector gave each message when it arrived (the level that
# called a counsellor): "messages by risk level". Rasa's own risk intents are the same detector read again
# inside Rasa, with Rasa's view of the conversation, so the intents chart leaves them out rather than disagree.
RISK_INTENTS = {"risk_imminent", "risk_high", "risk_concern"}
REASON_NAMES = {"risk": "Risk", "child_asked": "Child asked", "counsellor_picked": "Counsellor picked"}
STATUS_NAMES = {"waiting": "Waiting", "active": "With a counsellor", "ended": "Ended"}
# Upper bounds, in seconds, of the bars of the waiting-time chart.
WAIT_BUCKETS = (
    (60, "Under 1 minute"),
    (5 * 60, "1 to 5 minutes"),
    (15 * 60, "5 to 15 minutes"),
    (60 * 60, "15 to 60 minutes"),
    (math.inf, "Over an hour"),
)
NEVER_CLAIMED = "Never claimed"


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
            sa.select(Conversation.started_at).where(Conversation.started_at >= period.start, in_region(region))
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
        .where(Message.speaker == Speaker.CHILD, Message.created_at >= period.start, in_region(region))
        .group_by(Message.risk_level)
    )
    counts: Counter[str] = Counter()
    for level, count in rows:
        counts[_value(level) or RiskLevel.NONE.value] += count  # a message without risk has no level
    return _in_order(counts, _RISK_NAMES)


def _conversations_by_risk(connection, period: Period, region: str | None) -> Counts:
    rows = connection.execute(
        sa.select(Conversation.risk_level, sa.func.count())
        .where(Conversation.started_at >= period.start, in_region(region))
        .group_by(Conversation.risk_level)
    )
    return _in_order(Counter({_value(level): count for level, count in rows}), _RISK_NAMES)


def _handoff_rows(connection, period: Period, region: str | None):
    return list(
        connection.execute(
            sa.select(Handoff.reason, Handoff.status, Handoff.requested_at, Handoff.claimed_at)
            .join(Conversation, Conversation.sender_id == Handoff.conversation_id)
            .where(Handoff.requested_at >= period.start, in_region(region))
        )
    )


def _regions(connection, period: Period) -> list[RegionRow]:
    conversations: Counter[str] = Counter()
    for country, count in connection.execute(
        sa.select(Conversation.country, sa.func.count())
        .where(Conversation.started_at >= period.start)
        .group_by(Conversation.country)
    ):
        conversations[region_of(country)] += count
    handoffs: Counter[str] = Counter()
    for country, count in connection.execute(
        sa.select(Conversation.country, sa.func.count())
        .join(Handoff, Handoff.conversation_id == Conversation.sender_id)
        .where(Handoff.requested_at >= period.start)
        .group_by(Conversation.country)
    ):
        handoffs[region_of(country)] += count
    return [
        RegionRow(region, REGION_NAMES[region], conversations[region], handoffs[region]) for region in REGION_CHOICES
    ]


def insights(db, days: int = DEFAULT_PERIOD, region: str | None = None, now: datetime | None = None) -> Insights:
    """Every figure of the insights page for the last `days` days, for one region or (None) all."""
    connection = connection_of(db)
    period = last_days(days, now)
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
        conversations_per_hour=_per_hour(starts, period.zone),
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

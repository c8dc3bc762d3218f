"""What every figure of the insights page is counted over: the period, the region, and the database connection."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import settings
from bot.content.facts import REGIONS
from bot.store.models import Conversation
from bot.store.utc import utc_now

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


def in_region(region: str | None):
    if region is None:
        return sa.true()
    if region == UNKNOWN_REGION:
        return Conversation.country.is_(None)
    return Conversation.country == region


def region_of(country: str | None) -> str:
    return country if country in REGIONS else UNKNOWN_REGION


def last_days(days: int, now: datetime | None = None) -> Period:
    """The last `days` days up to now (or `now`), in the counsellors' time zone."""
    return period_ending(now or utc_now(), days, ZoneInfo(settings.COUNSELLOR_TIMEZONE))


def connection_of(db):
    """A connection from a session or a connection or engine, so callers pass whichever they hold."""
    return db.connection() if isinstance(db, Session) else db

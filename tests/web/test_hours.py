"""Counsellor hours: open and closed at the edges, across midnight, and in the right time zone."""

from datetime import datetime, timezone

import pytest

from bot.web.core.hours import CounsellorHours

LONDON = "Europe/London"


@pytest.mark.parametrize(
    "utc_hour, minute, is_open", [(8, 59, False), (9, 0, True), (23, 59, True), (0, 0, False), (3, 0, False)]
)
def test_nine_to_midnight_in_winter(utc_hour, minute, is_open):
    hours = CounsellorHours.parse("09:00-00:00", LONDON)
    assert hours.is_open(datetime(2026, 1, 5, utc_hour, minute, tzinfo=timezone.utc)) is is_open


def test_summer_time_moves_the_hours():
    hours = CounsellorHours.parse("09:00-00:00", LONDON)
    # 08:30 UTC is 09:30 in London in July
    assert hours.is_open(datetime(2026, 7, 6, 8, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize("local_hour, is_open", [(17, False), (18, True), (1, True), (2, False)])
def test_hours_across_midnight(local_hour, is_open):
    hours = CounsellorHours.parse("18:00-02:00", "UTC")
    assert hours.is_open(datetime(2026, 1, 5, local_hour, 0, tzinfo=timezone.utc)) is is_open


def test_round_the_clock():
    assert CounsellorHours.parse("00:00-00:00", "UTC").is_open(datetime(2026, 1, 5, 3, tzinfo=timezone.utc))


def test_next_opening_as_a_child_would_read_it():
    assert (
        CounsellorHours.parse("09:30-00:00", "UTC").next_opening(datetime(2026, 1, 5, 2, tzinfo=timezone.utc))
        == "9:30am"
    )

"""Turns what a child says about where they live and how old they are into a region and an age band."""

import re
from functools import cache
from pathlib import Path

import yaml

from bot.vocabulary import AgeBand

REGION_NAMES_FILE = Path(__file__).with_name("regions.yaml")
ELSEWHERE = "elsewhere"

# Only the band is stored, never the age itself.
OLDEST_CHILD = 12
OLDEST_TEEN = 17

NUMBER_WORDS = {
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}


@cache
def region_names() -> dict[str, list[str]]:
    """Region code -> the names people type for it."""
    with open(REGION_NAMES_FILE, encoding="utf-8") as handle:
        return {region: [name.lower() for name in names] for region, names in yaml.safe_load(handle).items()}


@cache
def _region_by_name() -> dict[str, str]:
    return {name: region for region, names in region_names().items() for name in names}


def region_for(text: str | None) -> str | None:
    """The region code for a country name or a sentence naming one; None if nothing is named."""
    if not text:
        return None
    lowered = text.lower().strip()
    by_name = _region_by_name()
    if lowered in by_name:
        return by_name[lowered]
    # Longest names first, so "northern ireland" wins over "ireland". Two-letter
    # names only count alone: "us" or "ca" inside a sentence is usually a word.
    for name in sorted((n for n in by_name if len(n) > 2), key=len, reverse=True):
        if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", lowered):
            return by_name[name]
    return None


def region_for_country_entity(value: str | None) -> str | None:
    """A country entity always names somewhere: a place we have no list for is "elsewhere"."""
    if not value:
        return None
    return region_for(value) or ELSEWHERE


def age_from(text: str | None) -> int | None:
    if not text:
        return None
    lowered = str(text).lower()
    digits = re.search(r"(?<!\d)(\d{1,2})(?!\d)", lowered)
    if digits:
        return int(digits.group(1))
    for word, number in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return number
    return None


def age_band_for(age: int | None) -> str | None:
    if age is None or age < 4 or age > 99:
        return None
    if age <= OLDEST_CHILD:
        return AgeBand.CHILD.value
    if age <= OLDEST_TEEN:
        return AgeBand.TEEN.value
    return AgeBand.ADULT.value

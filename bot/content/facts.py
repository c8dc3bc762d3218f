"""Loads the sourced facts file and exposes only the contact details a person has verified.

Responses never hold a phone number or address themselves: they name a fact with a
placeholder such as ``{uk_childline_phone}`` (entry id ``uk-childline``, field ``phone``),
which the bot fills from the published facts when it sends the message (bot/content/nlg.py).
"""

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml

FACTS_FILE = Path(__file__).with_name("services.yaml")

REGIONS = ("uk", "us", "ie", "ca", "au", "elsewhere")
SERVICE_LISTS = ("emergency", "report", "remove_images", "helplines", "adults")
CONTACT_FIELDS = ("phone", "text", "url", "email")


@cache
def load_facts(path: Path = FACTS_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def placeholder_name(entry_id: str, field: str) -> str:
    return f"{entry_id}_{field}".replace("-", "_")


def iter_entries(facts: dict) -> Iterator[tuple[str, str, dict]]:
    """Yields (region, list name, entry) for every service in the facts file."""
    for region, services in facts["countries"].items():
        for list_name in SERVICE_LISTS:
            for entry in services.get(list_name, []):
                yield region, list_name, entry


def verified_contacts(facts: dict | None = None) -> dict[str, str]:
    """Maps placeholder name to value for every contact detail that may be shown to a child.

    An entry with ``verified`` other than ``true`` is left out whole; values under an
    ``unconfirmed`` block are never read, because they sit outside ``contact``.
    """
    facts = facts or load_facts()
    contacts = {}
    for _region, _list_name, entry in iter_entries(facts):
        if entry.get("verified") is not True:
            continue
        for field in CONTACT_FIELDS:
            value = entry.get("contact", {}).get(field)
            if value:
                contacts[placeholder_name(entry["id"], field)] = str(value)
    return contacts


def unshowable_values(facts: dict | None = None) -> dict[str, str]:
    """Values that must never reach a child: contacts of unverified entries and unconfirmed blocks."""
    facts = facts or load_facts()
    hidden = {}
    for _region, _list_name, entry in iter_entries(facts):
        if entry.get("verified") is not True:
            for field, value in entry.get("contact", {}).items():
                hidden[placeholder_name(entry["id"], field)] = str(value)
        for field, value in (entry.get("unconfirmed") or {}).items():
            if field != "verified":
                hidden[placeholder_name(entry["id"], f"unconfirmed_{field}")] = str(value)
    return hidden


def facts_from_services(services: dict[str, dict]) -> dict:
    """Services as the editor stores them (id -> entry), in the facts file's shape.

    An entry counts as verified only when a person has checked it: ``verified`` and a ``checked_on`` date.
    """
    countries: dict[str, dict[str, list]] = {}
    for entry in services.values():
        lists = countries.setdefault(entry["region"], {})
        shown = {**entry, "verified": entry.get("verified") is True and bool(entry.get("checked_on"))}
        lists.setdefault(entry["list"], []).append(shown)
    return {"countries": countries}

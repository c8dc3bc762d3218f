"""The helplines the chat page shows for a region (helplines.yml), from published, checked facts only."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.content.published import published

HELPLINES_FILE = Path(__file__).with_name("helplines.yml")
DEFAULT_REGION = "uk"


@dataclass(frozen=True)
class Helpline:
    name: str
    value: str
    link: str  # tel: or https: address

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "value": self.value, "link": self.link}


def _link(value: str) -> str:
    if value.startswith("http"):
        return value
    # "1-800-422-4453 (1-800-4-A-CHILD)" dials the digits before a note; "112 or 999" dials the first
    first = value.split("(")[0].split(" or ")[0]
    return "tel:" + re.sub(r"[^\d+]", "", first)


@lru_cache(maxsize=1)
def _entries() -> dict:
    with open(HELPLINES_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=4)
def _table_of(contacts_key: frozenset) -> dict[str, tuple[Helpline, ...]]:
    contacts = dict(contacts_key)
    # An entry whose fact is not verified (or is gone) is left out, never shown.
    return {
        region: tuple(
            Helpline(str(item["name"]), contacts[item["fact"]], _link(contacts[item["fact"]]))
            for item in items
            if item["fact"] in contacts
        )
        for region, items in _entries().items()
    }


def helplines_for(region: str | None) -> list[Helpline]:
    table = _table_of(frozenset(published().current().contacts.items()))
    return list(table.get(region or DEFAULT_REGION) or table[DEFAULT_REGION])

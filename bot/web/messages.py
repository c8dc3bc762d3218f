"""Renders what the web app itself says (messages.yml) for a child's region, with verified facts filled in."""
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.content.facts import verified_contacts

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
DEFAULT_REGION = "uk"
# Values filled in when a message is sent, with an example for the content lint.
RUNTIME_VALUES = {"ahead": "2", "opens": "9am", "counsellor": "Sam"}


@lru_cache(maxsize=1)
def responses() -> Dict[str, List[dict]]:
    with open(MESSAGES_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]


def _region_of(variant: dict) -> Optional[str]:
    for condition in variant.get("condition") or []:
        if condition.get("name") == "country":
            return condition.get("value")
    return None


def render(name: str, region: Optional[str] = None, **values: str) -> str:
    """The variant for `region` (or the one without a condition), with facts and `values` filled in."""
    variants = responses()[name]
    chosen = next((v for v in variants if _region_of(v) == region), None)
    chosen = chosen or next(v for v in variants if _region_of(v) is None)
    return chosen["text"].format(**verified_contacts(), **values)

"""The content that ships with the project: the domain's responses, the web app's own messages and
the services of the facts file. The database starts from it, and the bot falls back to it when no
published content can be read at all.
"""

from functools import cache
from pathlib import Path

import yaml

from bot.content.facts import iter_entries, load_facts

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN_DIR = PROJECT_ROOT / "domain"
WEB_MESSAGES_FILE = Path(__file__).with_name("web_messages.yml")
# Responses the web app sends itself (when Rasa cannot answer, around a handoff).
WEB_TOPIC = "web"


def _responses_in(path: Path) -> dict[str, list[dict]]:
    with open(path, encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("responses") or {}


@cache
def bundled_responses() -> dict[str, tuple[str, list[dict]]]:
    """Response name -> (topic, variants), the topic taken from the file (responses_<topic>.yml)."""
    found = {}
    for path in sorted(DOMAIN_DIR.glob("responses_*.yml")):
        topic = path.stem[len("responses_") :]
        found.update({name: (topic, variants) for name, variants in _responses_in(path).items()})
    found.update({name: (WEB_TOPIC, variants) for name, variants in _responses_in(WEB_MESSAGES_FILE).items()})
    return found


def service_body(region: str, list_name: str, entry: dict, checked_on) -> dict:
    """A facts file entry as the editor stores it: with where it belongs and when a person checked it."""
    body = {key: value for key, value in entry.items() if key != "verified"}
    body.update(
        region=region,
        list=list_name,
        verified=entry.get("verified") is True,
        checked_on=str(checked_on) if entry.get("verified") is True and checked_on else None,
    )
    return body


@cache
def bundled_services() -> dict[str, dict]:
    """Service id -> entry, in the facts file's order; a verified entry counts as checked on the file's date."""
    facts = load_facts()
    checked = facts["meta"]["checked"]
    return {
        entry["id"]: service_body(region, list_name, entry, checked) for region, list_name, entry in iter_entries(facts)
    }

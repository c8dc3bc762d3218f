"""What must be true of a response or a service before a child may see it.

The editor shows these as staff type; submitting, approving, publishing and rolling back all
refuse while any is left. Facts are the published, person-checked contacts (or, for a change to
a service, the contacts as they would be after it).
"""

import re
from datetime import date

from bot.content.bundle import WEB_TOPIC
from bot.content.facts import CONTACT_FIELDS, REGIONS, SERVICE_LISTS, facts_from_services, verified_contacts
from bot.content.lint import EMAIL, lint_variant
from bot.content.variants import coverage_problems, placeholders

# Values the web app fills into its own messages when it sends them, with examples for the lint.
WEB_RUNTIME_VALUES = {"ahead": "2", "opens": "9am", "counsellor": "Sam"}
MAX_TEXT_CHARS = 1200
SERVICE_ID = re.compile(r"[a-z0-9-]{3,64}")
HTTPS = re.compile(r"^https://[\w.-]+\.[a-z]{2,}(/\S*)?$", re.I)
PHONE_CHARACTERS = re.compile(r"^[\d +()\-–]+(\s*\(.*\))?(\s+or\s+[\d +()\-]+)*$")


def response_problems(name: str, topic: str, variants: list[dict], contacts: dict[str, str]) -> list[str]:
    """Each problem as a sentence staff can act on, with the variant it is in."""
    known = {**contacts, **WEB_RUNTIME_VALUES} if topic == WEB_TOPIC else contacts
    problems = []
    if not variants:
        return ["A response needs at least one variant."]
    for index, variant in enumerate(variants):
        text = (variant.get("text") or "").strip()
        if not text:
            problems.append(f"Variant {index + 1}: the text is empty.")
        elif len(text) > MAX_TEXT_CHARS:
            problems.append(f"Variant {index + 1}: {len(text)} characters; keep it under {MAX_TEXT_CHARS}.")
        problems += [
            f"Variant {index + 1}: {problem.rule.replace('_', ' ')}: {problem.detail}"
            for problem in lint_variant(name, index, variant, variants, known)
        ]
    # The web app picks its own messages by region only; Rasa's responses by every profile slot.
    problems += coverage_problems(variants)[:5]
    return problems


def _checked_on_problem(value, today: date) -> str | None:
    try:
        checked = date.fromisoformat(str(value))
    except ValueError:
        return f"The date it was checked, {value!r}, must be a date like 2026-11-25."
    return "The date it was checked is in the future." if checked > today else None


def service_problems(entry: dict, today: date | None = None) -> list[str]:
    problems = []
    if not SERVICE_ID.fullmatch(str(entry.get("id") or "")):
        problems.append("The id must be 3 to 64 lower-case letters, digits and dashes.")
    if not (entry.get("name") or "").strip():
        problems.append("The service needs a name.")
    if entry.get("region") not in REGIONS:
        problems.append(f"The region must be one of {', '.join(REGIONS)}.")
    if entry.get("list") not in SERVICE_LISTS:
        problems.append(f"The list must be one of {', '.join(SERVICE_LISTS)}.")
    contact = entry.get("contact") or {}
    for field, value in contact.items():
        value = str(value).strip()
        if field not in CONTACT_FIELDS:
            problems.append(f"{field!r} is not a contact field ({', '.join(CONTACT_FIELDS)}).")
        elif field in ("phone", "text") and (sum(c.isdigit() for c in value) < 2 or not PHONE_CHARACTERS.match(value)):
            problems.append(f"The {field} number {value!r} does not look like a number.")
        elif field == "url" and not HTTPS.match(value):
            problems.append(f"The web address {value!r} must start with https://")
        elif field == "email" and not EMAIL.fullmatch(value):
            problems.append(f"The email address {value!r} does not look right.")
    if entry.get("verified"):
        if not contact:
            problems.append("A checked service needs at least one way to contact it.")
        if not HTTPS.match(str(entry.get("source") or "")):
            problems.append("Name the page (https://...) where a person checked these details.")
        if not entry.get("checked_on"):
            problems.append("Say when a person checked these details.")
        elif problem := _checked_on_problem(entry["checked_on"], today or date.today()):
            problems.append(problem)
    return problems


def facts_lost(
    services: dict[str, dict], responses: dict[str, list[dict]], before: dict[str, str] | None = None
) -> list[str]:
    """Responses that would name a fact these services no longer give (removed or not checked)."""
    contacts = verified_contacts(facts_from_services(services))
    problems = []
    for name, variants in sorted(responses.items()):
        for index, variant in enumerate(variants):
            missing = sorted(placeholders(variant) - contacts.keys() - WEB_RUNTIME_VALUES.keys())
            if before is not None:
                missing = [name_ for name_ in missing if name_ in before]
            for placeholder in missing:
                problems.append(
                    f"{name} (variant {index + 1}) uses {{{placeholder}}}, "
                    "which this change removes or leaves unchecked."
                )
    return problems

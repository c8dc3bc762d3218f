"""Turns the editor's HTML forms into content bodies, and content into what the editor pages show."""

import difflib
from datetime import date, timedelta

import yaml
from markupsafe import Markup

from bot.content.facts import CONTACT_FIELDS, placeholder_name
from bot.content.variants import EDITABLE_CONDITIONS, candidates, fill, profile_slots

AGE_BAND_LABELS = {"child": "12 and under", "teen": "13 to 17", "adult": "18 or over"}
REGION_LABELS = {"uk": "UK", "us": "USA", "ie": "Ireland", "ca": "Canada", "au": "Australia", "elsewhere": "Elsewhere"}
SERVICE_TEXT_FIELDS = ("name", "what", "for", "hours", "source", "notes")


def condition_value(variant: dict, slot: str) -> str:
    for condition in variant.get("condition") or []:
        if condition.get("name") == slot:
            return str(condition.get("value"))
    return ""


def fixed_conditions(variant: dict) -> list[str]:
    """Conditions the editor shows but does not let staff change (risk kind, who is at risk)."""
    fixed = [
        f"{c['name']} = {c['value']}"
        for c in variant.get("condition") or []
        if c.get("name") not in EDITABLE_CONDITIONS
    ]
    return fixed + ([f"channel = {variant['channel']}"] if variant.get("channel") else [])


def variants_from_form(form, stored: list[dict]) -> list[dict]:
    """The variants as edited: text, the editable conditions and button titles from the form;
    everything else (button payloads, other conditions, custom data) as stored."""
    variants = []
    for index, old in enumerate(stored):
        prefix = f"variant-{index}-"
        variant = {key: value for key, value in old.items() if key not in ("text", "condition", "buttons")}
        variant["text"] = (form.get(prefix + "text") or "").replace("\r\n", "\n").strip()
        conditions = [c for c in old.get("condition") or [] if c.get("name") not in EDITABLE_CONDITIONS]
        for slot, allowed in EDITABLE_CONDITIONS.items():
            # A select the form did not send keeps its stored value; an empty one means "any".
            value = form.get(prefix + slot) if prefix + slot in form else condition_value(old, slot)
            if value in allowed:
                conditions.append({"type": "slot", "name": slot, "value": value})
        if conditions:
            variant["condition"] = conditions
        if old.get("buttons"):
            variant["buttons"] = [
                {**button, "title": (form.get(f"{prefix}button-{number}") or "").strip()}
                for number, button in enumerate(old["buttons"])
            ]
        variants.append(variant)
    return variants


def service_from_form(form, stored: dict, today: date) -> dict:
    entry = dict(stored)
    for field in SERVICE_TEXT_FIELDS:
        entry[field] = (form.get(field) or "").strip()
    entry["contact"] = {
        field: form.get(field + "-contact").strip()
        for field in CONTACT_FIELDS
        if (form.get(field + "-contact") or "").strip()
    }
    entry["also"] = [line.strip() for line in (form.get("also") or "").splitlines() if line.strip()]
    if form.get("checked_today"):
        entry["verified"], entry["checked_on"] = True, today.isoformat()
    elif not form.get("verified"):
        entry["verified"], entry["checked_on"] = False, None
    return entry


def preview(variants: list[dict], contacts: dict[str, str], age_band: str | None, region: str | None) -> dict:
    """The message a child with this age band and region gets, as the chat page shows it."""
    chosen = candidates(variants, profile_slots(age_band or None, region or None))
    if not chosen:
        return {"text": "No variant fits this child.", "buttons": [], "missing": True}
    variant = chosen[0]
    return {
        "text": fill(variant.get("text") or "", contacts),
        "buttons": [fill(button.get("title", ""), contacts) for button in variant.get("buttons") or []],
        "missing": False,
    }


def every_preview(variants: list[dict], contacts: dict[str, str]) -> list[dict]:
    """Each different message children get, with the age bands and regions that get it."""
    seen: dict[str, dict] = {}
    for region in REGION_LABELS:
        for band in (None, *AGE_BAND_LABELS):
            shown = preview(variants, contacts, band, region)
            key = shown["text"] + "|".join(shown["buttons"])
            entry = seen.setdefault(key, {**shown, "who": []})
            entry["who"].append(f"{REGION_LABELS[region]}, {AGE_BAND_LABELS[band] if band else 'age not said'}")
    return list(seen.values())


def diff_table(old, new, old_label: str, new_label: str) -> Markup:
    """A side-by-side diff of two bodies as YAML (difflib's table, styled by staff.css)."""

    def lines(body) -> list[str]:
        return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=90).splitlines() if body else []

    table = difflib.HtmlDiff(wrapcolumn=60).make_table(
        lines(old), lines(new), old_label, new_label, context=True, numlines=2
    )
    # difflib leaves the headers of its jump-to-change columns empty, which a screen reader announces as nothing
    return Markup(
        table.replace(
            '<th class="diff_next"><br /></th>',
            '<th class="diff_next"><span class="visually-hidden">Jump to a change</span></th>',
        )
    )


def is_stale(entry: dict, today: date, days: int) -> bool:
    checked = entry.get("checked_on")
    return bool(checked) and date.fromisoformat(str(checked)) < today - timedelta(days=days)


def placeholders_of(entry: dict) -> list[str]:
    return [
        f"{{{placeholder_name(entry['id'], field)}}}"
        for field in CONTACT_FIELDS
        if (entry.get("contact") or {}).get(field)
    ]

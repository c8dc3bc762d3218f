"""Which variant of a response a child gets, and the facts filled into it: one place for the bot,
the web app and the editor's preview, so what staff preview is what a child sees.
"""

import itertools
from collections.abc import Iterable, Mapping

from rasa.core.nlg.generator import ResponseVariationFilter

from bot.content.facts import REGIONS
from bot.vocabulary import AGE_BANDS, MANIPULATION, PLACEHOLDER, RISK_KINDS, RiskKind

# Rasa's channel name for the REST webhook, which the web app and `make shell` use.
CHANNEL = "rest"

AUDIENCES = ("young", "adult")
# The risk kinds a response may have a variant for (the slot `risk_kind`).
VARIANT_RISK_KINDS = (*(kind for kind in RISK_KINDS if kind != RiskKind.NONE), MANIPULATION)
# Conditions staff may set on a variant in the editor; any other condition is kept as it is.
EDITABLE_CONDITIONS = {"age_band": AGE_BANDS, "country": REGIONS, "audience": AUDIENCES}

# Every combination of the slots that choose a variant: each must get exactly one.
SLOT_CASES = [
    {"country": country, "audience": audience, "age_band": band, "risk_kind": kind, "risk_about": about}
    for country, audience, band, kind, about in itertools.product(
        REGIONS, AUDIENCES, (None, *AGE_BANDS), (None, *VARIANT_RISK_KINDS), (None, "self", "friend")
    )
]


def profile_slots(age_band: str | None, region: str | None) -> dict[str, str | None]:
    """The slots a child with this age band and region has (adults get the adult routes)."""
    return {"age_band": age_band, "country": region or "uk", "audience": "adult" if age_band == "adult" else "young"}


def candidates(variants: list[dict], slots: Mapping[str, object], channel: str = CHANNEL) -> list[dict]:
    """The variants Rasa would choose among for these slots (it picks one at random)."""
    return ResponseVariationFilter({"_": variants}).responses_for_utter_action("_", channel, slots)


def placeholders(variant: dict) -> set[str]:
    texts = [variant.get("text") or ""] + [button.get("title", "") for button in variant.get("buttons") or []]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each {placeholder} replaced; one without a value is left as it is."""

    def value_of(match) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else str(value)

    return PLACEHOLDER.sub(value_of, text)


def coverage_problems(variants: list[dict], cases: Iterable[Mapping[str, object]] = SLOT_CASES) -> list[str]:
    """Where a child would get no variant, or a random one of several: both are mistakes."""
    problems = []
    for slots in cases:
        found = len(candidates(variants, slots))
        if found != 1:
            shown = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in slots.items() if value)
            problems.append(
                f"No variant fits a child with {shown}: add one for them or one with no conditions."
                if not found
                else f"{found} variants fit a child with {shown}: make their conditions different."
            )
    return problems

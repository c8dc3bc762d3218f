"""Numbers and addresses reach a child only from verified entries of the facts file."""

import re

import pytest
from rasa.core.nlg.generator import ResponseVariationFilter

from bot.content.facts import REGIONS, unshowable_values, verified_contacts
from bot.content.lint import PLACEHOLDER, load_responses
from bot.content.variants import coverage_problems

RESPONSES = load_responses()
FACTS = verified_contacts()
CONTACT_LIKE = re.compile(r"https?://\S+|\b[\w.+-]+@[\w-]+\.[\w.]+|\d[\d\s()-]{1,}\d")
WEB_ADDRESS = re.compile(r"\b[\w-]+\.(?:ie|org|uk|com|ca|au)\b")


def render(text: str) -> str:
    return PLACEHOLDER.sub(lambda match: FACTS[match.group(1)], text)


def test_unverified_entries_and_unconfirmed_values_are_never_available():
    facts = {
        "countries": {
            "uk": {
                "helplines": [
                    {
                        "id": "uk-ok",
                        "verified": True,
                        "contact": {"phone": "0800 000"},
                        "unconfirmed": {"text": "99999", "verified": False},
                    },
                    {"id": "uk-unchecked", "verified": False, "contact": {"phone": "0800 111"}},
                ]
            }
        }
    }
    assert verified_contacts(facts) == {"uk_ok_phone": "0800 000"}
    assert set(unshowable_values(facts).values()) == {"99999", "0800 111"}


def test_no_rendered_response_holds_a_contact_that_is_not_a_verified_fact():
    allowed = set(FACTS.values())
    for name, variants in RESPONSES.items():
        for variant in variants:
            rendered = render(variant["text"])
            for found in CONTACT_LIKE.findall(rendered):
                found = found.strip().rstrip(".,")
                assert any(found in value for value in allowed), f"{name}: {found!r}"


def test_no_unconfirmed_or_unverified_value_ever_reaches_a_child():
    everything = "\n".join(render(v["text"]) for variants in RESPONSES.values() for v in variants)
    hidden = {
        found.strip()
        for value in unshowable_values().values()
        for found in CONTACT_LIKE.findall(value) + WEB_ADDRESS.findall(value)
    } - set(FACTS.values())
    # Papyrus's text number and the 50808 web address are only remembered, never confirmed.
    assert {"88247", "text50808.ie"} <= hidden
    for value in hidden:
        assert value not in everything, f"unconfirmed {value!r} is shown to children"


def test_every_response_has_exactly_one_variant_for_each_child():
    """Rasa picks at random among matching conditional variants: they must never overlap."""
    for name, variants in RESPONSES.items():
        assert coverage_problems(variants) == [], name


@pytest.mark.parametrize("region", [r for r in REGIONS if r != "uk"])
def test_regional_responses_name_that_regions_services(region):
    """A response written per region gives each region its own variant, not the UK default."""
    variation_filter = ResponseVariationFilter(RESPONSES)
    for name, variants in RESPONSES.items():
        if not any(c["name"] == "country" for v in variants for c in v.get("condition") or []):
            continue
        for audience in ("young", "adult"):
            [chosen] = variation_filter.responses_for_utter_action(
                name, "rest", {"country": region, "audience": audience}
            )
            assert chosen.get("condition"), f"{name} falls back to the UK text for {region}"

"""What the web app says itself passes the same content checks as the bot's responses, and shows only verified facts."""

import pytest

from bot.content.facts import unshowable_values, verified_contacts
from bot.content.lint import lint_text
from bot.web.core.helplines import helplines_for
from bot.web.core.messages import RUNTIME_VALUES, render, responses

REGIONS = ["uk", "us", "ie", "ca", "au", "elsewhere"]


@pytest.mark.parametrize("name", sorted(responses()))
def test_every_web_message_passes_the_content_lint(name):
    known = {**verified_contacts(), **RUNTIME_VALUES}
    for variant in responses()[name]:
        # a child of any age may see these, so the youngest band's reading level applies
        assert lint_text(variant["text"], "child", known) == [], variant["text"]


@pytest.mark.parametrize("region", REGIONS)
def test_the_numbers_message_gives_the_emergency_number_of_the_region_first(region):
    emergency = helplines_for(region)[0]
    text = render("web_numbers", region)
    assert emergency.name == "Emergency"
    assert text.index(emergency.value) < len(text) // 2


def test_an_unknown_region_gets_the_default_numbers():
    assert render("web_numbers", "atlantis") == render("web_numbers", "uk")


@pytest.mark.parametrize("region", REGIONS)
def test_helplines_are_verified_facts_only(region):
    shown = {line.value for line in helplines_for(region)}
    assert shown <= set(verified_contacts().values())
    assert not shown & set(unshowable_values().values())
    assert all(line.link.startswith(("tel:", "https://")) for line in helplines_for(region))


def test_a_number_with_a_choice_dials_the_first():
    ireland = helplines_for("ie")[0]
    assert ireland.value == "112 or 999" and ireland.link == "tel:112"

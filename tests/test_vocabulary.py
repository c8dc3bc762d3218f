"""The shared words (bot/vocabulary.py): one definition each, cheap enough for the store to import."""

import subprocess
import sys

from bot.vocabulary import AREA_ROLES, PLACEHOLDER, RiskLevel, UserRole


def test_risk_levels_compare_by_urgency_not_alphabet():
    # Alphabetically "none" > "imminent"; a queue sorted that way would put the child in danger last.
    assert RiskLevel.NONE < RiskLevel.CONCERN < RiskLevel.HIGH < RiskLevel.IMMINENT
    assert RiskLevel.highest("none", "imminent", "high") is RiskLevel.IMMINENT
    assert sorted(["imminent", "none", "high", "concern"], key=RiskLevel, reverse=True)[0] == "imminent"


def test_every_role_opens_some_area_and_only_admins_open_admin():
    opened = {role for roles in AREA_ROLES.values() for role in roles}
    assert opened == set(UserRole)
    assert AREA_ROLES["admin"] == (UserRole.ADMIN,)


def test_placeholders_are_names_in_braces():
    assert PLACEHOLDER.findall("Call {childline_phone} or {ceop_url}. {not a name}") == ["childline_phone", "ceop_url"]


def test_the_store_reads_the_vocabulary_without_loading_spacy_or_rasa():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bot.store.models; print(sorted({m.split('.')[0] for m in sys.modules}))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'spacy'" not in loaded and "'rasa'" not in loaded

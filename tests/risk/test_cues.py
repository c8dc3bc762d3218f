"""Crisis cues in every supported language: the safety net under a message nobody understood."""

import pytest

from bot.risk.cues import crisis_cues


@pytest.mark.parametrize(
    "text",
    [
        "the bridge",
        "BLEACH??",
        "pills",
        "🔪💊",
        "😭😭😭",
        "lejía",
        "quiero morirme",
        "tabletki",
        "Chcę umrzeć",
        "dwi isio marw",
        "tabledi",
        "أريد أن أموت",
        "حبوب",
        "ana 3ayez amoot",
        "میں مرنا چاہتا ہوں",
        "mujhe marna hai",
        "goliyan",
    ],
)
def test_a_crisis_cue_is_found_in_each_language_with_or_without_accents(text):
    assert crisis_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "hi",
        "what is this",
        "hola",
        "cześć",
        "shwmae",
        "مرحبا",
        "salam",
        "lol ok",
        "to the shop",
        "a dam in wales",
    ],
)
def test_an_ordinary_message_has_no_cue(text):
    assert crisis_cues(text) == []


def test_a_cue_must_be_a_whole_word_unless_it_is_a_stem():
    assert crisis_cues("skill issue") == []  # "kill" inside a word
    assert crisis_cues("suicidal") == ["suicidal"]  # suicid* is a stem

"""The contract the NLU component and the web app rely on."""

import json

import pytest

from bot.risk import Evidence, RiskAssessment, RiskLevel, assess


def test_levels_compare_by_urgency_not_alphabet():
    assert RiskLevel.NONE < RiskLevel.CONCERN < RiskLevel.HIGH < RiskLevel.IMMINENT
    assert max(RiskLevel.HIGH, RiskLevel.IMMINENT, RiskLevel.CONCERN) is RiskLevel.IMMINENT
    assert sorted([RiskLevel.IMMINENT, RiskLevel.NONE, RiskLevel.HIGH]) == [
        RiskLevel.NONE,
        RiskLevel.HIGH,
        RiskLevel.IMMINENT,
    ]
    assert RiskLevel.HIGH >= RiskLevel.HIGH and RiskLevel.CONCERN <= RiskLevel.HIGH
    assert RiskLevel("high") == "high" and isinstance(RiskLevel.HIGH, str)


def test_result_types():
    result = assess("i want to kill myself")
    assert isinstance(result, RiskAssessment)
    assert isinstance(result.level, RiskLevel)
    assert result.kind in {"suicide", "self_harm", "offender_danger", "abuse_disclosure", "none"}
    assert result.about in {"self", "friend"}
    assert isinstance(result.manipulation, bool)
    assert isinstance(result.evidence, tuple) and all(isinstance(item, Evidence) for item in result.evidence)
    assert result.evidence and all(item.rule and item.words for item in result.evidence)


def test_as_dict_is_json():
    data = assess("hes outside my flat right now").as_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"level", "kind", "about", "manipulation", "evidence"}
    assert data["level"] == "imminent" and data["kind"] == "offender_danger"
    assert data["evidence"][0].keys() == {"rule", "words"}


def test_nothing_found_is_none():
    result = assess("how do i report an account")
    assert (result.level, result.kind, result.about, result.manipulation, result.evidence) == (
        RiskLevel.NONE,
        "none",
        "self",
        False,
        (),
    )


@pytest.mark.parametrize(
    "odd",
    [
        "",
        " ",
        "\n\t",
        "💀" * 50,
        "a" * 20_000,
        "i want to die " * 1_500,
        "\x00\x01\x02\xff binary",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"i want to kill myself",
        None,
        12345,
        "Ich will nicht mehr leben",
        "我想死",
        "مرحبا",
        "🌉🪢💊🔪",
        "'''''",
        "od'd'd'd",
        "?" * 5000,
    ],
)
def test_never_raises(odd):
    result = assess(odd, history=[odd, "", None])
    assert isinstance(result.level, RiskLevel)


def test_risk_at_the_end_of_a_huge_message_is_found():
    assert assess("blah " * 4000 + "i took all my pills").level == RiskLevel.IMMINENT


def test_history_takes_only_the_last_three():
    old = ["im going to end it", "ok", "fine", "whatever"]
    assert assess("tonight", history=old).level == RiskLevel.NONE
    assert assess("tonight", history=old[1:] + ["im going to end it"]).level == RiskLevel.IMMINENT


def test_history_may_be_any_sequence():
    assert assess("tonight", history=("im going to end it",)).level == RiskLevel.IMMINENT

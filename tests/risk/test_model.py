"""The learned model: it only adds to the rules, reads meaning in any language, and scores as sklearn would."""

import re

import pytest

from bot.risk import RiskLevel, assess
from bot.risk.encoder import encode_one
from bot.risk.evaluate import load_examples
from bot.risk.model import HELD_BACK_FILES, risk_model, training_examples, training_files
from bot.risk.normalize import normalize
from tests.conftest import PROJECT_ROOT

MESSAGES = ["i feel like im disappearing and nobody would notice", "hi", "how do i block him", "kms", ""]


@pytest.mark.parametrize("text", MESSAGES)
def test_hand_scoring_matches_sklearn(text):
    model = risk_model()
    normalised = normalize(text)
    for classifier in (model.levels, model.kinds, model.abouts):
        by_sklearn = classifier.sklearn_probabilities(normalised, encode_one(normalised))
        by_hand = classifier.probabilities(normalised, encode_one(normalised))
        for label, probability in by_sklearn.items():
            assert by_hand[label] == pytest.approx(probability, abs=1e-6)


def test_evaluation_and_blind_test_files_are_never_trained_on():
    assert not {path.name for path in training_files()} & {path.name for path in HELD_BACK_FILES}
    trained = {text for text, _, _ in training_examples()}
    for path in HELD_BACK_FILES:
        assert not [e.text for e in load_examples(path) if normalize(e.text) in trained]


@pytest.mark.parametrize(
    "text",
    [
        "i dont want to die i just want it all to stop",  # a rule reads the denial: concern, whatever the model thinks
        "my mum will kill me when she sees my phone bill",  # a rule knows the idiom
        "i died like 5 times on this level",
    ],
)
def test_where_a_rule_read_the_words_its_reading_stands(text):
    assert assess(text) == assess(text, use_model=False)


def test_the_model_never_lowers_the_rules():
    examples = load_examples(PROJECT_ROOT / "data" / "risk" / "eval.tsv")
    for example in examples:
        assert assess(example.text).level >= assess(example.text, use_model=False).level


def test_what_the_model_found_is_named_in_the_evidence():
    found = [
        e for e in load_examples(PROJECT_ROOT / "data" / "risk" / "fresh.tsv") if assess(e.text).level > RiskLevel.NONE
    ]
    by_model = [e for e in found if assess(e.text, use_model=False).level == RiskLevel.NONE]
    assert by_model, "the model found nothing the rules missed"
    for example in by_model:
        said = assess(example.text).evidence[-1]
        assert said.rule.startswith("model.")
        # A counsellor reads this in the queue's "Words that raised the risk": words, not a bare probability.
        assert re.fullmatch(r"\(read for its meaning, \d{1,3}% sure\)", said.words), said.words


def test_a_fragment_is_left_to_the_window_over_earlier_messages():
    assert assess("i want to").level == RiskLevel.NONE
    assert assess("end it tonight", history=["i want to"]).level == RiskLevel.IMMINENT

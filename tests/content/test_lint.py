"""The content lint over every response, and proof that each of its rules can fail."""

import pytest

from bot.content.lint import lint_responses, lint_text, load_responses, report


def test_every_response_variant_passes_the_lint():
    problems = lint_responses(load_responses())
    assert not problems, report(problems)


@pytest.mark.parametrize(
    "text, rule",
    [
        ("You shouldn't have sent it.", "blame"),
        ("Why did you send him that pic?", "blame"),
        ("It was your fault for trusting him.", "blame"),
        ("You should pay him so he stops.", "suggests_paying_or_complying"),
        ("Maybe send him what he wants.", "suggests_paying_or_complying"),
        ("Just do what he says for now.", "suggests_paying_or_complying"),
        ("Send me the pic so I can check it.", "asks_for_images"),
        ("Can I see the photo?", "asks_for_images"),
        ("I'm a real person and I'm here for you.", "claims_to_be_human"),
        ("I won't tell anyone, I promise.", "promises_secrecy"),
        ("This chat is totally confidential.", "promises_secrecy"),
        ("Call Childline on 0800 1111.", "literal_contact"),
        ("Go to https://example.org/help now.", "literal_contact"),
        ("Call {uk_papyrus_unconfirmed_text}.", "unknown_fact"),
        ("The perpetrator may be a minor.", "jargon"),
        ("This is sextortion.", "jargon"),
        ("The child should tell an adult.", "second_person"),
        (
            "Notwithstanding considerable organisational complexity, investigative "
            "authorities systematically prioritise exploitation reports.",
            "reading_level",
        ),
        (
            "You can tell a parent or a carer or a teacher or a coach or an aunt or an uncle "
            "or a friend's mum or anyone else you trust today.",
            "sentence_length",
        ),
    ],
)
def test_the_lint_catches(text, rule):
    assert rule in [found for found, _, _ in lint_text(text)]


def test_child_variants_must_read_more_simply_than_others():
    text = "Take screenshots of the chat and their profile, then block them and report the account."
    assert "reading_level" not in [rule for rule, _, _ in lint_text(text)]
    assert "reading_level" in [rule for rule, _, _ in lint_text(text, age_band="child")]


@pytest.mark.parametrize(
    "text",
    [
        "It is not your fault.",
        "Do not pay him, and don't do what he says.",
        "Never send the pic to anyone, not even to me.",
        "I'm a chatbot, not a person.",
        "What you tell a counsellor stays private unless you are in danger.",
    ],
)
def test_the_lint_allows_the_safe_versions(text):
    assert lint_text(text) == []


def test_a_response_without_a_child_variant_must_read_at_the_child_grade():
    hard = "Take screenshots of the chat and their profile, then block them and report the account."
    simple = "Take a picture of the chat. Then block them."
    without_child_variant = {"utter_x": [{"text": hard}]}
    with_child_variant = {
        "utter_x": [
            {"text": hard},
            {"text": simple, "condition": [{"type": "slot", "name": "age_band", "value": "child"}]},
        ]
    }
    assert [p.rule for p in lint_responses(without_child_variant)] == ["reading_level"]
    assert lint_responses(with_child_variant) == []

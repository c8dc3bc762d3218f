"""The rule and lexicon files load, and describe phenomena rather than copying evaluation sentences."""

from functools import lru_cache

import pytest

from bot.risk.evaluate import load_examples
from bot.risk.normalize import lexicon, normalize
from bot.risk.rules import load_rules, raw_rules
from tests.conftest import PROJECT_ROOT

EVAL_FILES = [PROJECT_ROOT / "data" / "risk" / name for name in ("eval.tsv", "eval_multi.tsv", "heldout.tsv")]


# Lines of one to three words ("kms", "hes outside", "im going to") are a single phrase that any rule for
# the phenomenon has to equal; copying is a risk for whole sentences.
SENTENCE_WORDS = 4


@lru_cache(maxsize=1)  # read once: every one of the ~900 entries is checked against it
def _eval_sentences():
    lines = set()
    for path in EVAL_FILES:
        for example in load_examples(path):
            if len(example.text.split()) >= SENTENCE_WORDS:
                lines.add(example.text.strip().lower())
                lines.add(normalize(example.text))
    return lines


def _written_entries():
    data = raw_rules()
    for entry in data["rules"] + data["harmless"]:
        yield from entry.get("phrases", [])
        yield from entry.get("requires", [])
    for frame in data.get("frames", []):
        for group in frame["when"]:
            yield from group
        yield from frame.get("unless", [])
    lex = lexicon()
    yield from lex["spellings"]
    yield from (str(value) for value in lex["spellings"].values())
    for words in list(lex["classes"].values()) + list(lex["time"].values()) + [lex["fuzzy"]["words"]]:
        yield from (str(word) for word in words)


def test_rules_load_and_compile():
    rules = load_rules()
    assert len(rules) > 20
    assert all(rule.patterns for rule in rules)


def test_every_rule_is_complete():
    for entry in raw_rules()["rules"]:
        assert {"id", "level", "kind"} <= set(entry), entry.get("id")
        assert entry.get("phrases") or entry.get("patterns"), entry["id"]


@pytest.mark.parametrize("entry", sorted(set(_written_entries())))
def test_no_entry_is_a_whole_evaluation_line(entry):
    # Shorthand words become plain text when their markers are dropped; compare both ways.
    plain = " ".join(word.strip("~@?") for word in str(entry).split()).lower()
    lines = _eval_sentences()
    assert str(entry).lower() not in lines and plain not in lines


def test_generated_spelling_files_are_up_to_date():
    # Run `python -m bot.risk.misspellings` after changing the `fuzzy` section of lexicon.yaml.
    from bot.risk.misspellings import generate, real_words, words_not_to_split
    from bot.risk.normalize import misspellings, unsplit

    known = real_words()
    assert misspellings() == generate(lexicon()["fuzzy"]["words"], known)
    assert unsplit() == frozenset(words_not_to_split(known))


def test_misspellings_are_never_everyday_words():
    everyday = {
        "did",
        "dig",
        "pie",
        "tie",
        "bill",
        "fill",
        "will",
        "went",
        "what",
        "cat",
        "cute",
        "hit",
        "hut",
        "waiting",
        "wanted",
        "release",
        "during",
        "anything",
        "itself",
        "living",
        "dyed",
        "dead",
    }
    assert not everyday & set(misspellings_table())


def misspellings_table():
    from bot.risk.normalize import misspellings

    return misspellings()

"""Loads the risk rules from patterns.yaml and compiles their shorthand phrases into spaCy Matcher patterns."""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.risk.normalize import lexicon
from bot.vocabulary import RISK_KINDS, RiskLevel

PATTERNS_FILE = Path(__file__).with_name("patterns.yaml")
FROM_CONTEXT = "from_context"

TokenPattern = list[dict]


@dataclass(frozen=True)
class Rule:
    id: str
    level: RiskLevel
    kind: str
    patterns: tuple[TokenPattern, ...]
    escalate: dict[str, RiskLevel] = field(default_factory=dict)
    about: str | None = None
    manipulation: bool = False
    requires: tuple[TokenPattern, ...] = ()
    harmless: bool = False
    # words children also use as a joke or an exaggeration ("i wanna die", "my life is over")
    hyperbole: bool = False


@dataclass(frozen=True)
class Frame:
    """What a whole message is about, when it makes some risk words not the child's own risk.

    The frame holds when a phrase of every `when` group is in the message and no `unless` phrase is;
    it then drops the risk matches it `drops`: `hyperbole` (rules marked so) or `not_first_person`
    (matches with no I/me/my in or just before them: a character, a song, a lesson).
    """

    id: str
    when: tuple[tuple[TokenPattern, ...], ...]
    unless: tuple[TokenPattern, ...]
    drops: str


def compile_token(word: str, classes: dict[str, list[str]]) -> dict:
    """One shorthand word ("want", "a|b", "~kill", "@pills", "*", with an optional "?") as a spaCy token pattern."""
    optional = word.endswith("?") and len(word) > 1
    word = word[:-1] if optional else word
    if word == "*":
        token: dict = {}
    elif word.startswith("@"):
        token = {"LOWER": {"IN": [str(item).lower() for item in classes[word[1:]]]}}
    elif word.startswith("~"):
        token = {"LEMMA": {"IN": word[1:].split("|")}}
    else:
        choices = word.split("|")
        token = {"LOWER": choices[0]} if len(choices) == 1 else {"LOWER": {"IN": choices}}
    if optional:
        token["OP"] = "?"
    return token


def compile_phrase(phrase: str, classes: dict[str, list[str]]) -> TokenPattern:
    return [compile_token(word, classes) for word in phrase.split()]


def _patterns(entry: dict, key: str, classes) -> tuple[TokenPattern, ...]:
    compiled = [compile_phrase(phrase, classes) for phrase in entry.get(key, [])]
    if key == "phrases":
        compiled += entry.get("patterns", [])
    return tuple(compiled)


def _rule(entry: dict, classes, harmless: bool = False) -> Rule:
    kind = entry.get("kind", "none")
    if kind not in RISK_KINDS + (FROM_CONTEXT,):
        raise ValueError(f"rule {entry['id']}: unknown kind {kind}")
    return Rule(
        id=entry["id"],
        level=RiskLevel(entry.get("level", "none")),
        kind=kind,
        patterns=_patterns(entry, "phrases", classes),
        escalate={when: RiskLevel(level) for when, level in entry.get("escalate", {}).items()},
        about=entry.get("about"),
        manipulation=bool(entry.get("manipulation", False)),
        requires=_patterns(entry, "requires", classes),
        harmless=harmless,
        hyperbole=bool(entry.get("hyperbole", False)),
    )


FRAME_DROPS = ("hyperbole", "not_first_person")


def _frame(entry: dict, classes) -> Frame:
    if entry["drops"] not in FRAME_DROPS:
        raise ValueError(f"frame {entry['id']}: drops must be one of {FRAME_DROPS}")
    return Frame(
        id=entry["id"],
        when=tuple(tuple(compile_phrase(phrase, classes) for phrase in group) for group in entry["when"]),
        unless=tuple(compile_phrase(phrase, classes) for phrase in entry.get("unless", [])),
        drops=entry["drops"],
    )


def raw_rules() -> dict:
    with open(PATTERNS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    classes = lexicon()["classes"]
    data = raw_rules()
    risk = [_rule(entry, classes) for entry in data["rules"]]
    harmless = [_rule(entry, classes, harmless=True) for entry in data["harmless"]]
    ids = [rule.id for rule in risk + harmless]
    duplicates = {rule_id for rule_id in ids if ids.count(rule_id) > 1}
    if duplicates:
        raise ValueError(f"duplicate rule ids in {PATTERNS_FILE.name}: {sorted(duplicates)}")
    return tuple(risk + harmless)


@lru_cache(maxsize=1)
def load_frames() -> tuple[Frame, ...]:
    classes = lexicon()["classes"]
    return tuple(_frame(entry, classes) for entry in raw_rules().get("frames", []))

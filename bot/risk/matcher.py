"""Finds where the risk rules and the time words match in a normalised message, with spaCy."""
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Set, Tuple

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from bot import settings
from bot.risk.normalize import lexicon
from bot.risk.rules import Rule, load_rules

log = logging.getLogger(__name__)
REQUIRES = "#requires"


@dataclass(frozen=True)
class Match:
    rule: Rule
    start: int
    end: int
    words: str

    def overlaps(self, other: "Match") -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Findings:
    doc: Doc
    matches: Tuple[Match, ...]
    # "now" / "later" when a time word of that sort is in the message
    times: frozenset


def _load_pipeline():
    try:
        return spacy.load(settings.SPACY_PIPELINE_DIR)
    except (OSError, IOError):
        # The built pipeline is missing (fresh checkout): build the same one in memory.
        log.warning("spaCy pipeline not found at %s; building it in memory", settings.SPACY_PIPELINE_DIR)
        from bot.nlp.build import build_pipeline

        return build_pipeline()


class RiskMatcher:
    """The spaCy pipeline with every rule and time word loaded once."""

    def __init__(self):
        self.nlp = _load_pipeline()
        self.rules: Dict[str, Rule] = {rule.id: rule for rule in load_rules()}
        self.matcher = Matcher(self.nlp.vocab)
        for rule in self.rules.values():
            self.matcher.add(rule.id, list(rule.patterns))
            if rule.requires:
                self.matcher.add(rule.id + REQUIRES, list(rule.requires))
        self.times = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for when, phrases in lexicon()["time"].items():
            self.times.add(when, [self.nlp.make_doc(str(phrase)) for phrase in phrases])

    def _time_words(self, doc: Doc) -> frozenset:
        found = [(self.nlp.vocab.strings[key], start, end) for key, start, end in self.times(doc)]
        not_now = [(start, end) for when, start, end in found if when == "not_now"]
        return frozenset(
            when
            for when, start, end in found
            if when != "not_now" and not any(start < n_end and n_start < end for n_start, n_end in not_now)
        )

    def find(self, text: str) -> Findings:
        doc = self.nlp(text)
        raw = [(self.nlp.vocab.strings[key], start, end) for key, start, end in self.matcher(doc)]
        present: Set[str] = {name[: -len(REQUIRES)] for name, _, _ in raw if name.endswith(REQUIRES)}
        matches: List[Match] = []
        for name, start, end in raw:
            if name.endswith(REQUIRES):
                continue
            rule = self.rules[name]
            if rule.requires and rule.id not in present:
                continue
            matches.append(Match(rule, start, end, doc[start:end].text))
        return Findings(doc, tuple(matches), self._time_words(doc))


@lru_cache(maxsize=1)
def risk_matcher() -> RiskMatcher:
    return RiskMatcher()

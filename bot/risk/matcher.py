"""Finds where the risk rules and the time words match in a normalised message, with spaCy."""

import logging
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from bot import settings
from bot.risk.normalize import lexicon
from bot.risk.rules import Frame, Rule, load_frames, load_rules

log = logging.getLogger(__name__)
REQUIRES = "#requires"
FRAME_WHEN = "frame#when#"
FRAME_UNLESS = "frame#unless#"


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
    matches: tuple[Match, ...]
    # "now" / "later" when a time word of that sort is in the message
    times: frozenset
    # the frames (rules.Frame) that hold for this message
    frames: tuple[Frame, ...] = ()


def _load_pipeline():
    try:
        return spacy.load(settings.SPACY_PIPELINE_DIR)
    except OSError:
        # The built pipeline is missing (fresh checkout): build the same one in memory.
        log.warning("spaCy pipeline not found at %s; building it in memory", settings.SPACY_PIPELINE_DIR)
        from bot.nlp.build import build_pipeline

        return build_pipeline()


class RiskMatcher:
    """The spaCy pipeline with every rule and time word loaded once."""

    def __init__(self):
        self.nlp = _load_pipeline()
        self.rules: dict[str, Rule] = {rule.id: rule for rule in load_rules()}
        self.matcher = Matcher(self.nlp.vocab)
        for rule in self.rules.values():
            self.matcher.add(rule.id, list(rule.patterns))
            if rule.requires:
                self.matcher.add(rule.id + REQUIRES, list(rule.requires))
        self.frames = load_frames()
        for frame in self.frames:
            for index, group in enumerate(frame.when):
                self.matcher.add(f"{FRAME_WHEN}{frame.id}#{index}", list(group))
            if frame.unless:
                self.matcher.add(f"{FRAME_UNLESS}{frame.id}", list(frame.unless))
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
        present: set[str] = {name[: -len(REQUIRES)] for name, _, _ in raw if name.endswith(REQUIRES)}
        matches: list[Match] = []
        names = {name for name, _, _ in raw}
        frames = tuple(
            frame
            for frame in self.frames
            if all(f"{FRAME_WHEN}{frame.id}#{index}" in names for index in range(len(frame.when)))
            and f"{FRAME_UNLESS}{frame.id}" not in names
        )
        for name, start, end in raw:
            if name.endswith(REQUIRES) or name.startswith("frame#"):
                continue
            rule = self.rules[name]
            if rule.requires and rule.id not in present:
                continue
            matches.append(Match(rule, start, end, doc[start:end].text))
        return Findings(doc, tuple(matches), self._time_words(doc), frames)


@lru_cache(maxsize=1)
def risk_matcher() -> RiskMatcher:
    return RiskMatcher()

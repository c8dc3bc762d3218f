"""How the learned model's reading and the rules' verdict make one answer.

The model reads every message; the rules are the floor under it. The answer is the more urgent of the two, so
the model only ever raises the rules' verdict. Where the rules read the words themselves (an idiom, a joke, a
denial, a kind of risk), the model must be surer to overrule them than where no rule knew the words at all.
"""

import re
from dataclasses import replace
from functools import lru_cache

from bot.risk.assessment import Evidence, RiskAssessment, RiskLevel
from bot.risk.emoji import emoji_only
from bot.risk.model import MODEL_CHARS, Reading, risk_model
from bot.risk.normalize import lexicon, normalize

IMMINENT, HIGH, CONCERN = RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.CONCERN
# How sure the model must be that a message is this level or worse. Chosen by bot.risk.calibrate on 2026-12-07
# (session 5: corpus w01-w43, all nine development sets), recall first: harmless messages handed off at most 1 in 20,
# given a gentle check-in at most 1 in 10 (docs/risk-evaluation.md). Concern was 0.90 until session 4: 58 crises
# read as none then, 23 on the blind sets now.
RAISE_AT: dict[RiskLevel, float] = {IMMINENT: 0.55, HIGH: 0.60, CONCERN: 0.45}
# ... and to overrule the rules' own reading of the words (an idiom, a denial): only when all but sure. With the
# corpus of 2026-12-07 (10,381 lines) 0.95 was the best on every development set; lower ones flagged more harmless
# lines in eval.tsv.
OVERRULE_AT: dict[RiskLevel, float] = {IMMINENT: 0.95, HIGH: 0.95, CONCERN: 0.95}
# A message ending on one of these is unfinished ("ngl i want to"): its end comes in the next message, and the
# rules read the two together.
UNFINISHED = {
    "to",
    "the",
    "a",
    "an",
    "my",
    "i",
    "and",
    "of",
    "on",
    "in",
    "at",
    "going",
    "gonna",
    "wanna",
    "am",
    "is",
    "was",
    "will",
    "would",
    "could",
    "just",
    "about",
    "from",
    "with",
    "so",
    "but",
    "because",
    "if",
    "took",
    "cut",
    "thinking",
}


@lru_cache(maxsize=1)
def _time_phrases() -> re.Pattern:
    phrases = sorted(
        (phrase for group in ("now", "later") for phrase in lexicon()["time"][group]), key=len, reverse=True
    )
    return re.compile(r"\b(?:" + "|".join(re.escape(phrase) for phrase in phrases) + r")\b")


def only_context(normalised: str) -> bool:
    """True for a message that only says when ("tonight", "right now"): it means something only beside the
    messages before it, which the rules read together; alone the model would guess from the words' company."""
    return not _time_phrases().sub(" ", normalised).strip(" .!?,")


def reading_of(text: str) -> Reading | None:
    """The model's reading of a message; none for an unfinished fragment or a bare time, which the rules read
    with the messages around it, nor for emoji alone, which the rules read by their meaning (bot/risk/emoji.py):
    the model learned words, and a thumbs up is not a word of distress."""
    if emoji_only(text):
        return None
    model = risk_model()
    normalised = normalize(text[-MODEL_CHARS:])
    words = normalised.split()
    if model is None or not words or words[-1] in UNFINISHED or only_context(normalised):
        return None
    return model.read(normalised)


def combine(
    verdict: RiskAssessment,
    reading: Reading | None,
    rules_read_it: bool,
    raise_at: dict[RiskLevel, float] = RAISE_AT,
    overrule_at: dict[RiskLevel, float] = OVERRULE_AT,
) -> RiskAssessment:
    """The rules' verdict, raised to what the model is sure enough of."""
    if reading is None:
        return verdict
    level = reading.level_at(overrule_at if rules_read_it else raise_at)
    if level <= verdict.level:
        return verdict
    kind = reading.kind_for(level) if level > CONCERN or verdict.kind == "none" else verdict.kind
    about = verdict.about if verdict.level > RiskLevel.NONE else reading.about
    evidence = verdict.evidence + (
        Evidence(f"model.{level.value}", f"(read for its meaning, {reading.at_least[level]:.0%} sure)"),
    )
    return replace(verdict, level=level, kind=kind, about=about, evidence=evidence)


def second_opinion(verdict: RiskAssessment, text: str, rules_read_it: bool) -> RiskAssessment:
    return combine(verdict, reading_of(text), rules_read_it)

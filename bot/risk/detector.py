"""Decides the risk level, kind and person at risk of a message, given the child's last few messages."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.risk.assessment import Evidence, RiskAssessment, RiskLevel
from bot.risk.emoji import emoji_only_reading
from bot.risk.matcher import Findings, Match, risk_matcher
from bot.risk.model import risk_model
from bot.risk.normalize import as_text, lexicon, normalize
from bot.risk.opinion import second_opinion
from bot.risk.rules import FROM_CONTEXT

log = logging.getLogger(__name__)

HISTORY_USED = 3
NEGATIONS = {"not", "never"}
NEGATION_REACH = 3  # words before a match that a "not" can reach: "i do not want to die"
# Only these words may stand between the "not" and the risk words, so that "not" denies them
# ("i am not going to kms") and not a verb of its own ("i can not do this bye everyone").
NEGATION_BRIDGE = {
    "do",
    "does",
    "did",
    "am",
    "is",
    "are",
    "was",
    "going",
    "to",
    "want",
    "really",
    "even",
    "actually",
    "ever",
    "would",
    "will",
    "wish",
    "try",
    "trying",
    "planning",
    "about",
    "gonna",
}
ABOUT_REACH = 8
# words before a match where an "I" makes it the writer's own, whatever frame the message is in
FRAME_PERSON_REACH = 4
FIRST_PERSON = {"i", "me", "my", "myself", "meself", "we", "us"}
# Around an offender threat these are the offender or his people, not someone else at risk.
# the kinds a story, a song or a lesson may be about; an offender or an abuser is always real
STORY_KINDS = {"suicide", "self_harm", "from_context"}
PRONOUNS = {"she", "her", "herself", "themselves", "himself", "someone", "girl", "boy"}
OFFENDERS_PEOPLE = {"someone", "himself", "mates", "friends", "boy"}
# Far beyond any chat message; a pasted essay is cut to its end, where the newest words are.
MAX_CHARS = 20_000
WINDOW_CHARS = 500


@dataclass(frozen=True)
class Scored:
    match: Match
    level: RiskLevel
    kind: str
    about: str
    # where the match sits in characters from the start of the current message (negative: in history),
    # so the same words are recognised in every window
    place: tuple[int, int]


def _negated(findings: Findings, match: Match) -> bool:
    doc = findings.doc
    for token in reversed(doc[max(0, match.start - NEGATION_REACH) : match.start]):
        if token.lower_ in NEGATIONS:
            return True
        if token.lower_ not in NEGATION_BRIDGE:
            return False
    return False


def _escalated(findings: Findings, match: Match) -> RiskLevel:
    level = match.rule.level
    for when, raised in match.rule.escalate.items():
        if when in findings.times:
            level = max(level, raised)
    return level


def _third_party() -> frozenset[str]:
    return frozenset(lexicon()["classes"]["third_party"])


def _relations() -> frozenset[str]:
    """The people in third_party who are someone the child knows (a friend, a sister), not just a pronoun."""
    return _third_party() - PRONOUNS


def _about_inside(words: Iterable[str]) -> str | None:
    for word in words:
        if word in FIRST_PERSON:
            return "self"
        if word in _third_party() and word not in {"someone", "girl", "boy"}:
            return "friend"
    return None


def _about(findings: Findings, match: Match, kind: str) -> str:
    if match.rule.about:
        return match.rule.about
    inside = _about_inside(token.lower_ for token in findings.doc[match.start : match.end])
    # In an abuse disclosure the person at risk is the one it is done to ("touches me", "rapes her").
    if kind == "abuse_disclosure" and inside:
        return inside
    third_party = _third_party()
    for token in reversed(findings.doc[max(0, match.start - ABOUT_REACH) : match.start]):
        word = token.lower_
        if word in {"i", "we", "me"}:
            return "self"
        if kind == "offender_danger" and word in OFFENDERS_PEOPLE:
            continue
        if word in third_party or (word == "he" and kind in ("suicide", "self_harm")):
            return "friend"
        if word in {".", "?", "!"}:
            break
    return inside or "self"


class DeniedWords:
    """Characters of the current message (counted from its start) that a longer window read as denied."""

    def __init__(self):
        self.marked = set()

    def mark(self, place: tuple[int, int]) -> None:
        self.marked.update(range(*place))

    def overlaps(self, place: tuple[int, int]) -> bool:
        return any(position in self.marked for position in range(*place))


def _keep_longest(candidates):
    """Of overlapping matches the longest (the most specific) wins: "tried to kill myself" over "kill myself"."""
    candidates.sort(key=lambda item: (-item[0].length, -item[1].rank, item[0].start))
    taken = bytearray(max((item[0].end for item in candidates), default=0))
    kept = []
    for candidate in candidates:
        match = candidate[0]
        if not any(taken[match.start : match.end]):
            taken[match.start : match.end] = b"\x01" * match.length
            kept.append(candidate)
    return kept


def _first_person_near(findings: Findings, match: Match) -> bool:
    words = findings.doc[max(0, match.start - FRAME_PERSON_REACH) : match.end]
    return any(token.lower_ in {"i", "me", "my", "myself", "meself"} for token in words)


def _framed_away(findings: Findings, match: Match) -> bool:
    """A frame of the whole message (a joke about the canteen, a song, a lesson) says this is not the child's risk."""
    for frame in findings.frames:
        if frame.drops == "hyperbole" and match.rule.hyperbole:
            return True
        if (
            frame.drops == "not_first_person"
            and match.rule.kind in STORY_KINDS
            and not _first_person_near(findings, match)
            and not any(token.lower_ in _relations() for token in findings.doc)
        ):
            return True
    return False


def _escalated_by(match: Match, times: frozenset) -> bool:
    return any(when in times and raised > match.rule.level for when, raised in match.rule.escalate.items())


def _score(findings: Findings, current_start: int, denied: DeniedWords, current_times: frozenset) -> list[Scored]:
    harmless = [match for match in findings.matches if match.rule.harmless]
    candidates = []
    earlier = []  # matches wholly in earlier messages: they give a kind, but are not this message's risk
    for match in findings.matches:
        if match.rule.harmless or any(match.overlaps(idiom) for idiom in harmless):
            continue
        if _framed_away(findings, match):
            continue
        span = findings.doc[match.start : match.end]
        place = (span.start_char - current_start, span.end_char - current_start)
        level = _escalated(findings, match)
        # A denial in a longer window counts here too ("im not gonna" + "hurt myself").
        if level >= RiskLevel.HIGH and (_negated(findings, match) or denied.overlaps(place)):
            denied.mark(place)
            level = RiskLevel.CONCERN
        if level == RiskLevel.NONE:
            continue
        # Words wholly in earlier messages were that message's risk, already answered; they count again only
        # when this message adds to them ("im going to end it" + "tonight"). The conversation keeps the
        # highest level seen (the risk_level slot), so nothing is forgotten.
        if place[1] <= 0 and not _escalated_by(match, current_times):
            earlier.append((match, level, place))
        else:
            candidates.append((match, level, place))
    kept = _keep_longest(candidates)
    # A shorter match inside a longer one, or an earlier message, still gives a kind to a rule that takes it
    # from its context ("want to cut" inside "want to cut again"; "i used to cut" + "doing it again now").
    context = [item for item in candidates + earlier if item[0].rule.kind != FROM_CONTEXT]
    context_kind = None
    if context:
        strongest = max(context, key=lambda item: (item[1].rank, item[0].rule.kind != "none"))
        context_kind = strongest[0].rule.kind
    scored = []
    for match, level, place in kept:
        kind = match.rule.kind
        if kind == FROM_CONTEXT:
            if context_kind is None:
                continue
            kind = context_kind
        scored.append(Scored(match, level, kind, _about(findings, match, kind), place))
    return sorted(scored, key=lambda item: item.match.start)


def _verdict(scored: list[Scored]) -> RiskAssessment:
    if not scored:
        return RiskAssessment()
    # The most severe signal decides; a signal with a kind beats distress; the newest wins a tie.
    best = max(scored, key=lambda item: (item.level.rank, item.kind != "none", item.match.start))
    return RiskAssessment(
        level=best.level,
        kind=best.kind,
        about=best.about,
        manipulation=any(item.match.rule.manipulation for item in scored),
        evidence=tuple(Evidence(item.match.rule.id, item.match.words) for item in scored),
    )


def _windows(text: str, history: Sequence[str]) -> list[tuple[str, int]]:
    """The message joined with its last 3, 2, 1 earlier messages, then alone; with where the message starts.

    A window is for fragments typed across messages, so it needs only the ends of the earlier messages and
    the start of this one; a long message is read in full on its own.
    """
    earlier = [normalize(message)[-WINDOW_CHARS:] for message in list(history)[-HISTORY_USED:]]
    current = normalize(text)
    windows = []
    for start in range(len(earlier)):
        before = " ".join(part for part in earlier[start:] if part)
        if before:
            windows.append((f"{before} {current[:WINDOW_CHARS]}", len(before) + 1))
    windows.append((current, 0))
    return windows


def _rank(assessment: RiskAssessment) -> tuple[int, bool]:
    return assessment.level.rank, assessment.kind != "none"


def _assess(text, history) -> tuple[RiskAssessment, bool]:
    """The rules' verdict, and whether the rules have read the message itself: a harmless idiom or a frame
    matched it, or the verdict names a kind of risk. Plain distress ("everything is ruined") or a rule that only
    counts beside another signal ("got it all sorted") leave room for the model's reading.
    """
    if isinstance(history, (str, bytes)):
        history = [history]
    history = [as_text(message)[-MAX_CHARS:] for message in (history or ())]
    matcher = risk_matcher()
    denied = DeniedWords()
    best = RiskAssessment()
    # Longest window first, so its denials ("im not gonna" + "hurt myself") are known to the shorter ones;
    # on a tie the longer window wins, as it knows who the message is about ("my friend" + "took pills").
    # The last window is the message alone.
    windows = _windows(as_text(text)[-MAX_CHARS:], history)
    alone = matcher.find(windows[-1][0])  # the message on its own, which is always the last window
    for window, current_start in windows:
        findings = alone if window is windows[-1][0] else matcher.find(window)
        assessment = _verdict(_score(findings, current_start, denied, alone.times))
        if _rank(assessment) > _rank(best):
            best = assessment
    idiom = any(match.rule.harmless for match in alone.matches)
    emoji = emoji_only_reading(as_text(text)) if best.level == RiskLevel.NONE else None
    if emoji is not None:
        return emoji, True
    return best, bool(alone.frames) or idiom or best.kind != "none"


def assess(text, history: Sequence[str] = (), use_model: bool = True) -> RiskAssessment:
    """The risk in `text`, read with the child's `history` (earlier messages, oldest first; the last 3 are used).

    The rules are the floor; with `use_model` the learned model (model.py, opinion.py) reads the message too
    and may raise the rules' verdict, more readily where no rule knew the words than where a rule read them
    (an idiom, a joke, a denial).
    """
    try:
        verdict, rules_read_it = _assess(text, history)
    except Exception:  # noqa: BLE001 - a crash here would silence the safety net; fail loudly in the log instead
        log.exception("risk assessment failed; reporting concern so a person looks at it")
        return RiskAssessment(level=RiskLevel.CONCERN, evidence=(Evidence("detector.error", ""),))
    if not use_model:
        return verdict
    try:
        return second_opinion(verdict, as_text(text), rules_read_it)
    except Exception:  # noqa: BLE001 - the rules' verdict stands on its own
        log.exception("risk model failed; using the rules' verdict")
        return verdict


def warm_up() -> None:
    """Loads the spaCy pipeline, the rules and the model now, not on a child's first message."""
    risk_matcher()
    risk_model()
    assess("a first message reads every table once", history=["and this one too"])

"""The result of assessing a message: level, kind, who is at risk, and the evidence for it."""

from dataclasses import dataclass, field
from enum import Enum

KINDS = ("suicide", "self_harm", "offender_danger", "abuse_disclosure", "none")
ABOUT = ("self", "friend")


class RiskLevel(str, Enum):
    """How urgent the risk is; compares by urgency, not alphabetically."""

    NONE = "none"
    CONCERN = "concern"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    # str already defines the comparisons (alphabetical), so all four must be replaced.
    def __lt__(self, other):
        return self.rank < RiskLevel(other).rank

    def __le__(self, other):
        return self.rank <= RiskLevel(other).rank

    def __gt__(self, other):
        return self.rank > RiskLevel(other).rank

    def __ge__(self, other):
        return self.rank >= RiskLevel(other).rank

    __hash__ = str.__hash__


_RANKS = {level: rank for rank, level in enumerate(RiskLevel)}


@dataclass(frozen=True)
class Evidence:
    """One rule that matched, and the (normalised) words it matched on."""

    rule: str
    words: str


@dataclass(frozen=True)
class RiskAssessment:
    level: RiskLevel = RiskLevel.NONE
    kind: str = "none"
    about: str = "self"
    manipulation: bool = False
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @property
    def evidence_words(self) -> list[str]:
        """The words that gave the risk away, as a counsellor's queue shows them."""
        return [item.words for item in self.evidence]

    def as_dict(self) -> dict:
        return {
            "level": self.level.value,
            "kind": self.kind,
            "about": self.about,
            "manipulation": self.manipulation,
            "evidence": [{"rule": item.rule, "words": item.words} for item in self.evidence],
        }

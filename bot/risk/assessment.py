"""The result of assessing a message: level, kind, who is at risk, and the evidence for it."""

from dataclasses import dataclass, field

from bot.vocabulary import RiskLevel


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

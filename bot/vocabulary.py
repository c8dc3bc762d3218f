"""The words the parts share: risk levels and kinds, age bands, roles and who may open what, placeholders.

One definition each, for the store, the risk detector, the content and the web app. It imports nothing of
the project and nothing heavy, so the store can use it without loading spaCy or Rasa.
"""

import re
from enum import Enum
from typing import Union


class RiskLevel(str, Enum):
    """How urgent a risk to the child's safety is; compares by urgency, not alphabetically."""

    NONE = "none"
    CONCERN = "concern"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        """Higher is more urgent; members are declared least urgent first."""
        return _RANKS[self]

    @classmethod
    def highest(cls, *levels: Union["RiskLevel", str]) -> "RiskLevel":
        """The most urgent of `levels`."""
        return max((cls(level) for level in levels), key=lambda level: level.rank)

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


class RiskKind(str, Enum):
    """What the risk is; `none` when a message shows distress of no particular kind, or no risk."""

    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    OFFENDER_DANGER = "offender_danger"
    ABUSE_DISCLOSURE = "abuse_disclosure"
    NONE = "none"


RISK_KINDS = tuple(kind.value for kind in RiskKind)
# The offender working on the child's feelings ("he'll kill himself if I block him") is a flag beside the kind,
# and the responses have variants for it as if it were one more kind.
MANIPULATION = "manipulation"


class AgeBand(str, Enum):
    """The child's age group, which decides which services and wording fit; the age itself is never kept."""

    CHILD = "child"
    TEEN = "teen"
    ADULT = "adult"


AGE_BANDS = tuple(band.value for band in AgeBand)


class UserRole(str, Enum):
    """What a staff account may do in the web app. Staff edit what the bot says; admins may do everything."""

    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"
    STAFF = "staff"
    ADMIN = "admin"


# Who may open which area of the web app (what they may do with one conversation is bot/web/core/permissions.py).
AREA_ROLES: dict[str, tuple[UserRole, ...]] = {
    "console": (UserRole.COUNSELLOR, UserRole.SUPERVISOR, UserRole.ADMIN),
    "editor": (UserRole.STAFF, UserRole.ADMIN),
    "insights": (UserRole.STAFF, UserRole.SUPERVISOR, UserRole.ADMIN),
    "admin": (UserRole.ADMIN,),
}


def roles_for(area: str) -> tuple[str, ...]:
    """The role names that may open `area`."""
    return tuple(role.value for role in AREA_ROLES[area])


# A fact filled into a response: "{childline_phone}".
PLACEHOLDER = re.compile(r"\{([a-zA-Z0-9_]+)\}")

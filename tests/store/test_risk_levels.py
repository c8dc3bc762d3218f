"""The conversations table stores the detector's risk levels, in the same order."""

from bot.risk.assessment import RiskLevel as DetectedLevel
from bot.store.models import RiskLevel as StoredLevel


def test_stored_risk_levels_are_the_detectors_levels():
    # Two enums, because the store must not import spaCy; they must never drift apart.
    assert [level.value for level in StoredLevel] == [level.value for level in DetectedLevel]

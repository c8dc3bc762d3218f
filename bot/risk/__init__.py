"""Notices suicide, self-harm, danger from the offender and abuse disclosures in a child's messages."""

from bot.risk.assessment import Evidence, RiskAssessment, RiskLevel
from bot.risk.detector import assess, warm_up

__all__ = ["assess", "Evidence", "RiskAssessment", "RiskLevel", "warm_up"]

"""The detector meets its recall and false-positive targets on the labelled evaluation files."""
import pytest

from bot.risk.assessment import RiskLevel
from bot.risk.evaluate import evaluate_file, format_reports
from tests.conftest import PROJECT_ROOT

EVAL_FILES = ["eval.tsv", "eval_multi.tsv"]


@pytest.mark.parametrize("name", EVAL_FILES)
def test_targets_are_met(name, record_summary):
    reports = evaluate_file(PROJECT_ROOT / "data" / "risk" / name)
    record_summary(format_reports(reports))
    for report in reports:
        assert not report.failures, report.format()


@pytest.mark.parametrize("name", EVAL_FILES)
def test_no_serious_message_is_missed_entirely(name):
    for report in evaluate_file(PROJECT_ROOT / "data" / "risk" / name):
        assert not report.serious_missed_as_none, [o.example.text for o in report.serious_missed_as_none]


HELDOUT = PROJECT_ROOT / "data" / "risk" / "heldout.tsv"
# A RATCHET, not the goal: the goal is the targets (evaluate.MIN_RECALL, MAX_FALSE_POSITIVE_RATE).
# These are the figures the detector reached on heldout.tsv once its misses had been studied (spelling slips,
# families of suicidal wording, jokes, stories, sport, friends). The set has now been looked at, so it is no
# longer independent: it may only stop a rule change from making things worse. An unbiased figure needs a
# fresh set written without sight of the rules. Raise these numbers when the detector does better; never lower them.
HELDOUT_MIN_RECALL = {RiskLevel.IMMINENT: 1.00, RiskLevel.HIGH: 1.00, RiskLevel.CONCERN: 1.00}
HELDOUT_MAX_FALSE_POSITIVE_RATE = 0.000


def test_heldout_is_no_worse_than_reached(record_summary):
    (report,) = evaluate_file(HELDOUT)
    record_summary(format_reports([report]))
    for level, minimum in HELDOUT_MIN_RECALL.items():
        assert report.recall(level) >= minimum, report.format()
    assert report.false_positive_rate <= HELDOUT_MAX_FALSE_POSITIVE_RATE, report.format()
    assert not report.serious_missed_as_none, [o.example.text for o in report.serious_missed_as_none]

"""The detector meets its recall and false-positive targets on the labelled evaluation files."""
import pytest

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

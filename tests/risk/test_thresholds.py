"""The detector meets its recall and false-positive targets on the labelled evaluation files; the rules alone
catch every imminent and high message there (the deterministic safety net under the statistical model)."""

import pytest

from bot.risk.assessment import RiskLevel
from bot.risk.evaluate import MAX_FALSE_POSITIVE_RATE, evaluate_file, format_reports
from tests.conftest import PROJECT_ROOT

IMMINENT, HIGH, CONCERN = RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.CONCERN

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


@pytest.mark.parametrize("name", EVAL_FILES)
def test_rules_alone_catch_every_imminent_and_high_message(name):
    for report in evaluate_file(PROJECT_ROOT / "data" / "risk" / name, use_model=False):
        assert not report.misses, report.format()
        assert report.false_positive_rate <= MAX_FALSE_POSITIVE_RATE, report.format()


HELDOUT = PROJECT_ROOT / "data" / "risk" / "heldout.tsv"
# A RATCHET, not the goal: the goal is the targets (evaluate.MIN_RECALL, MAX_FALSE_POSITIVE_RATE).
# These are the figures the detector reached on heldout.tsv once its misses had been studied (spelling slips,
# families of suicidal wording, jokes, stories, sport, friends). The set has now been looked at, so it is no
# longer independent: it may only stop a rule change from making things worse. An unbiased figure needs a
# fresh set written without sight of the rules. Raise these numbers when the detector does better; never lower them.
HELDOUT_MIN_RECALL = {RiskLevel.IMMINENT: 1.00, RiskLevel.HIGH: 1.00, RiskLevel.CONCERN: 1.00}
HELDOUT_MAX_FALSE_POSITIVE_RATE = 0.000


def test_heldout_is_no_worse_than_reached_by_the_rules(record_summary):
    # the statistical model learns from this file, so it says nothing about the model; the rules alone are held
    (report,) = evaluate_file(HELDOUT, use_model=False)
    record_summary(format_reports([report]))
    for level, minimum in HELDOUT_MIN_RECALL.items():
        assert report.recall(level) >= minimum, report.format()
    assert report.false_positive_rate <= HELDOUT_MAX_FALSE_POSITIVE_RATE, report.format()
    assert not report.serious_missed_as_none, [o.example.text for o in report.serious_missed_as_none]


FRESH = PROJECT_ROOT / "data" / "risk" / "fresh.tsv"
# Also a RATCHET. fresh.tsv was written blind (by someone who saw neither the rules, the model's data nor the other
# sets) and never trained on. Measured once: imminent 0.82, high 0.83, concern 0.78, false alarms 0.032, 8 serious
# messages called none. Two detector defects its misses showed were then fixed (see docs/risk-evaluation.md).
FRESH_MIN_RECALL = {RiskLevel.IMMINENT: 35 / 40, RiskLevel.HIGH: 52 / 60, RiskLevel.CONCERN: 35 / 45}
# 10 since the recall-first thresholds of 2026-12-07 (session 4): 5 handed off ("my last message for tonight, mum's
# making me go to bed" reads as a goodbye since w29, w36), 5 more given a check-in
FRESH_MAX_FALSE_POSITIVE_RATE = 10 / 95
FRESH_MAX_SERIOUS_CALLED_NONE = 4


def test_fresh_blind_set_is_no_worse_than_reached(record_summary):
    (report,) = evaluate_file(FRESH)
    record_summary(format_reports([report]))
    for level, minimum in FRESH_MIN_RECALL.items():
        assert report.recall(level) >= minimum, report.format()
    assert report.false_positive_rate <= FRESH_MAX_FALSE_POSITIVE_RATE, report.format()
    assert len(report.serious_missed_as_none) <= FRESH_MAX_SERIOUS_CALLED_NONE, report.format()


def test_the_model_adds_recall_the_rules_lack_on_the_fresh_set():
    (rules,) = evaluate_file(FRESH, use_model=False)
    (whole,) = evaluate_file(FRESH)
    assert len(whole.serious_missed_as_none) < len(rules.serious_missed_as_none)
    for level in FRESH_MIN_RECALL:
        assert whole.recall(level) >= rules.recall(level)


# RATCHETS on the later blind sets, frozen as development sets once measured (docs/risk-evaluation.md): counts
# reached on 2026-12-07, session 6, after w44-w50 (thresholds unchanged, raise 0.55 / 0.60 / 0.45): right at
# each level (of how many); harmless messages handed off (read high or imminent); harmless messages given any reply
# for risk, a check-in included; imminent/high messages called none. Against session 5 blind2 to blind8 call 21
# crises none, was 27 (blind8 4 to 1, blind2 and blind3 9 to 8, blind6 2 to 1); blind3 reads two imminent lines as
# high and one high as concern, blind7 three high lines as concern, and blind2 and blind5 give one more harmless
# line a risk reply. w48-w50 (goodbyes and routine medicine, the offender's threats and abuse now, Welsh and Polish
# high; briefed after blind9 was measured, with some of its misses told otherwise, so blind9 is a development
# figure): blind2-9 call 23 none, was 24, 7 fewer harmless lines handed off, 3 more high lines at high; blind3,
# blind6 one more called none, blind4 and blind7 one imminent line read as high. Each new writer moves a line or
# two either way on some set; a change lands when the sets together call fewer crises none: recall wins.
FROZEN_BLIND_SETS = {
    "blind2.tsv": ({IMMINENT: (73, 90), HIGH: (103, 112), CONCERN: (60, 80)}, 7, 14, 8),
    "blind3.tsv": ({IMMINENT: (101, 115), HIGH: (115, 140), CONCERN: (79, 95)}, 8, 27, 9),
    "blind4.tsv": ({IMMINENT: (59, 65), HIGH: (70, 75), CONCERN: (47, 50)}, 2, 8, 1),
    "blind5.tsv": ({IMMINENT: (60, 65), HIGH: (67, 75), CONCERN: (45, 48)}, 4, 9, 1),
    # measured once on 2026-12-07, session 4, after w34-w36 (0.95 / 0.89 / 0.71, 3 flagged, 6 called none), then frozen
    "blind6.tsv": ({IMMINENT: (62, 64), HIGH: (67, 72), CONCERN: (47, 49)}, 1, 4, 2),
    # measured once on 2026-12-07, session 4, after w37-w39 (0.95 / 0.89 / 0.84, 5 flagged, 3 called none), then frozen
    "blind7.tsv": ({IMMINENT: (54, 58), HIGH: (59, 66), CONCERN: (46, 51)}, 0, 4, 1),
    # measured once on 2026-12-07, session 5, after w40-w43 (0.94 / 0.86 / 0.77, 17 flagged, 4 called none), then frozen
    "blind8.tsv": ({IMMINENT: (64, 69), HIGH: (76, 80), CONCERN: (50, 62)}, 9, 13, 1),
    # measured once on 2026-12-07, session 6, after w44-w47 (0.92 / 0.86 / 0.84, 15 flagged, 3 called none), then frozen
    "blind9.tsv": ({IMMINENT: (71, 77), HIGH: (78, 90), CONCERN: (59, 69)}, 12, 15, 3),
    # measured once on 2026-12-08 after w48-w50 (0.92 / 0.90 / 0.88, 12 flagged, 2 called none), then frozen
    "blind10.tsv": ({IMMINENT: (54, 59), HIGH: (62, 69), CONCERN: (45, 51)}, 8, 12, 2),
}


def _harmless_read_above(report, level: RiskLevel) -> int:
    return sum(outcome.result.level > level for outcome in report.expected(RiskLevel.NONE))


@pytest.mark.parametrize("name", FROZEN_BLIND_SETS)
def test_a_frozen_blind_set_is_no_worse_than_reached(name, record_summary):
    recalls, most_handed_off, most_flagged, most_called_none = FROZEN_BLIND_SETS[name]
    (report,) = evaluate_file(PROJECT_ROOT / "data" / "risk" / name)
    record_summary(format_reports([report]))
    for level, (right, of) in recalls.items():
        assert report.recall(level) >= right / of, report.format()
    assert _harmless_read_above(report, RiskLevel.CONCERN) <= most_handed_off, report.format()
    assert _harmless_read_above(report, RiskLevel.NONE) <= most_flagged, report.format()
    assert len(report.serious_missed_as_none) <= most_called_none, report.format()

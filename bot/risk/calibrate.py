"""Chooses the model's thresholds (opinion.RAISE_AT, OVERRULE_AT) on the development sets, recall first.

`python -m bot.risk.calibrate` reads every message of the development sets once (rules and model), then tries
each combination of thresholds. False alarms cost differently: a harmless message read as high or imminent brings
a counsellor and the safety question; one read as concern gets a gentle check-in and the help goes on. So of the
combinations that hand off at most MAX_HANDOFF_FALSE_ALARMS of the harmless messages and check in on at most
MAX_CHECK_IN_FALSE_ALARMS (all the development sets together), it prints the ones that call the fewest imminent
and high messages none, then with the highest recall. The chosen values are then written into opinion.py by hand,
with the date. Never run it on a blind set: a threshold chosen on a set makes that set a development set.
"""

import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from bot.risk.assessment import RiskAssessment, RiskLevel
from bot.risk.detector import _assess, warm_up
from bot.risk.evaluate import MAX_FALSE_POSITIVE_RATE, Example, Outcome, Report, load_examples
from bot.risk.model import DATA_DIR, MEASURING_SETS, Reading
from bot.risk.opinion import combine, reading_of

# Every set measured once (blind) is a development set from then on.
DEVELOPMENT_SETS = MEASURING_SETS
MAX_HANDOFF_FALSE_ALARMS = MAX_FALSE_POSITIVE_RATE
# Recall first: a check-in on a harmless message costs the child a moment; a crisis read as nothing can cost a life.
MAX_CHECK_IN_FALSE_ALARMS = 0.10
IMMINENT, HIGH, CONCERN = RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.CONCERN
STEPS = [round(0.25 + 0.05 * step, 2) for step in range(15)]  # 0.25 to 0.95
OVERRULE_STEPS = (0.8, 0.85, 0.9, 0.95, 1.01)


@dataclass(frozen=True)
class Read:
    example: Example
    verdict: RiskAssessment
    rules_read_it: bool
    reading: Reading | None


def read_set(name: str) -> list[Read]:
    reads = []
    for example in load_examples(DATA_DIR / name):
        verdict, rules_read_it = _assess(example.text, example.history)
        reads.append(Read(example, verdict, rules_read_it, reading_of(example.text)))
    return reads


def report_for(reads: Sequence[Read], raise_at: dict[RiskLevel, float], overrule_at: dict[RiskLevel, float]) -> Report:
    report = Report("")
    for read in reads:
        result = combine(read.verdict, read.reading, read.rules_read_it, raise_at, overrule_at)
        report.outcomes.append(Outcome(read.example, result, 0.0))
    return report


def _share_of_harmless_read_above(reports: Sequence[Report], level: RiskLevel) -> float:
    harmless = [outcome for report in reports for outcome in report.expected(RiskLevel.NONE)]
    return sum(outcome.result.level > level for outcome in harmless) / max(1, len(harmless))


def score(reports: Sequence[Report]) -> tuple | None:
    """Higher is better; None when false alarms are over either limit."""
    if _share_of_harmless_read_above(reports, CONCERN) > MAX_HANDOFF_FALSE_ALARMS:
        return None
    if _share_of_harmless_read_above(reports, RiskLevel.NONE) > MAX_CHECK_IN_FALSE_ALARMS:
        return None
    called_none = sum(len(report.serious_missed_as_none) for report in reports)
    recall = sum(report.recall(level) for report in reports for level in (IMMINENT, HIGH, CONCERN))
    return -called_none, round(recall, 4)


def _figures(report: Report) -> str:
    recalls = "/".join(f"{report.recall(level):.2f}" for level in (IMMINENT, HIGH, CONCERN))
    return f"{recalls} fa {report.false_positive_rate:.3f} none {len(report.serious_missed_as_none)}"


def main() -> int:
    warm_up()
    sets = {name: read_set(name) for name in DEVELOPMENT_SETS}
    results = []
    for imminent, high, concern in itertools.product(STEPS, STEPS, STEPS):
        if not imminent >= high - 0.2:
            continue
        raise_at = {IMMINENT: imminent, HIGH: high, CONCERN: concern}
        for overrule in OVERRULE_STEPS:
            overrule_at = {level: max(overrule, value) for level, value in raise_at.items()}
            reports = [report_for(reads, raise_at, overrule_at) for reads in sets.values()]
            found = score(reports)
            if found is not None:
                results.append((found, raise_at, overrule, reports))
    results.sort(key=lambda item: item[0], reverse=True)
    for _, raise_at, overrule, reports in results[:15]:
        figures = "  ".join(f"{name}: {_figures(report)}" for name, report in zip(sets, reports, strict=True))
        thresholds = "/".join(f"{raise_at[level]:.2f}" for level in (IMMINENT, HIGH, CONCERN))
        print(f"raise {thresholds} overrule {overrule:.2f}  {figures}")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())

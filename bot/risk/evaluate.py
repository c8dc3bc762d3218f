"""Scores the detector on a labelled file (data/risk/eval.tsv or eval_multi.tsv) and prints the table."""

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.risk.assessment import RiskAssessment, RiskLevel
from bot.risk.detector import assess, warm_up
from bot.risk.labelled import read_rows

# The targets the detector must meet (tests/risk and `--eval` both use these).
MIN_RECALL = {RiskLevel.IMMINENT: 1.00, RiskLevel.HIGH: 0.98, RiskLevel.CONCERN: 0.90}
MAX_FALSE_POSITIVE_RATE = 0.05
RISK_LEVELS = (RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.CONCERN)


@dataclass(frozen=True)
class Example:
    text: str
    level: RiskLevel
    kind: str
    about: str
    history: tuple = ()
    case: str = ""
    family: str = ""  # the family of wording (blind2.tsv and later sets say), for recall per family
    lang: str = ""


@dataclass
class Outcome:
    example: Example
    result: RiskAssessment
    seconds: float


@dataclass
class Report:
    title: str
    outcomes: list[Outcome] = field(default_factory=list)

    def expected(self, level: RiskLevel) -> list[Outcome]:
        return [o for o in self.outcomes if o.example.level == level]

    def recall(self, level: RiskLevel) -> float:
        expected = self.expected(level)
        return sum(o.result.level == level for o in expected) / len(expected) if expected else 1.0

    def precision(self, level: RiskLevel) -> float:
        predicted = [o for o in self.outcomes if o.result.level == level]
        return sum(o.example.level == level for o in predicted) / len(predicted) if predicted else 1.0

    @property
    def false_positive_rate(self) -> float:
        expected_none = self.expected(RiskLevel.NONE)
        flagged = sum(o.result.level > RiskLevel.NONE for o in expected_none)
        return flagged / len(expected_none) if expected_none else 0.0

    def _detected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.example.level > RiskLevel.NONE and o.result.level > RiskLevel.NONE]

    @property
    def kind_accuracy(self) -> float:
        detected = self._detected()
        return sum(o.result.kind == o.example.kind for o in detected) / len(detected) if detected else 1.0

    @property
    def about_accuracy(self) -> float:
        detected = self._detected()
        return sum(o.result.about == o.example.about for o in detected) / len(detected) if detected else 1.0

    @property
    def serious_missed_as_none(self) -> list[Outcome]:
        return [o for o in self.misses if o.result.level == RiskLevel.NONE]

    @property
    def misses(self) -> list[Outcome]:
        """Expected imminent or high, classified lower."""
        return [o for o in self.outcomes if o.example.level >= RiskLevel.HIGH and o.result.level < o.example.level]

    @property
    def failures(self) -> list[str]:
        failed = [
            f"recall {level.value} {self.recall(level):.2f} < {minimum:.2f}"
            for level, minimum in MIN_RECALL.items()
            if self.recall(level) < minimum
        ]
        if self.false_positive_rate > MAX_FALSE_POSITIVE_RATE:
            failed.append(f"false-positive rate {self.false_positive_rate:.3f} > {MAX_FALSE_POSITIVE_RATE}")
        if self.serious_missed_as_none:
            failed.append(f"{len(self.serious_missed_as_none)} imminent/high message(s) classified none")
        return failed

    def format(self) -> str:
        lines = [self.title, f"{'level':<10}{'count':>7}{'recall':>8}{'precision':>11}{'predicted':>11}"]
        for level in RISK_LEVELS + (RiskLevel.NONE,):
            predicted = sum(o.result.level == level for o in self.outcomes)
            lines.append(
                f"{level.value:<10}{len(self.expected(level)):>7}{self.recall(level):>8.2f}"
                f"{self.precision(level):>11.2f}{predicted:>11}"
            )
        lines.append(
            f"false-positive rate on none: {self.false_positive_rate:.3f} (target <= {MAX_FALSE_POSITIVE_RATE})"
        )
        lines.append(
            f"kind accuracy on detected risk lines: {self.kind_accuracy:.3f}; about accuracy: {self.about_accuracy:.3f}"
        )
        times = sorted(o.seconds * 1000 for o in self.outcomes)
        if times:
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            lines.append(f"time per message: mean {statistics.mean(times):.2f} ms, p95 {p95:.2f} ms")
        lines.append(f"misses (expected imminent/high, classified lower): {len(self.misses)}")
        lines += [_describe(o) for o in self.misses]
        wrong = [o for o in self.outcomes if o not in self.misses and o.result.level != o.example.level]
        if wrong:
            lines.append(f"other level differences: {len(wrong)}")
            lines += [_describe(o) for o in wrong]
        for attribute in ("lang", "family"):
            if any(getattr(o.example, attribute) for o in self.outcomes):
                lines += self.format_by(attribute)
        if len({o.example.lang for o in self.outcomes}) > 1:
            lines += self.format_recall_by_language()
        lines.append("PASS" if not self.failures else "FAIL: " + "; ".join(self.failures))
        return "\n".join(lines)

    def format_by(self, attribute: str) -> list[str]:
        """Per language or family of wording: how many were read at their level, and at least at it; for harmless
        lines, how many were flagged."""
        groups: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            groups.setdefault(getattr(outcome.example, attribute) or "-", []).append(outcome)
        lines = [f"by {attribute}: {'':<26}{'count':>6}{'exact':>7}{'>=level':>9}{'none->flag':>12}{'risk->none':>12}"]
        for name, outcomes in sorted(groups.items()):
            risky = [o for o in outcomes if o.example.level > RiskLevel.NONE]
            harmless = [o for o in outcomes if o.example.level == RiskLevel.NONE]
            exact = sum(o.result.level == o.example.level for o in risky)
            at_least = sum(o.result.level >= o.example.level for o in risky)
            flagged = sum(o.result.level > RiskLevel.NONE for o in harmless)
            missed = sum(o.result.level == RiskLevel.NONE for o in risky)
            lines.append(
                f"  {name:<36}{len(outcomes):>6}{_share(exact, risky):>7}{_share(at_least, risky):>9}"
                f"{_share(flagged, harmless):>12}{missed if risky else '':>12}"
            )
        return lines

    def format_recall_by_language(self) -> list[str]:
        """The targets hold in every language: recall per level and false alarms, one row per language."""
        languages = sorted({o.example.lang or "-" for o in self.outcomes})
        header = "".join(f"{level.value:>10}" for level in RISK_LEVELS)
        lines = [f"recall by language: {'':<6}{header}{'false alarms':>14}{'risk->none':>12}"]
        for language in languages:
            report = Report(language, [o for o in self.outcomes if (o.example.lang or "-") == language])
            recalls = "".join(
                f"{report.recall(level):>10.2f}" if report.expected(level) else f"{'':>10}" for level in RISK_LEVELS
            )
            lines.append(
                f"  {language:<24}{recalls}{report.false_positive_rate:>14.3f}{len(report.serious_missed_as_none):>12}"
            )
        return lines


def _share(count: int, of: list) -> str:
    return f"{count / len(of):.2f}" if of else ""


def _describe(outcome: Outcome) -> str:
    example, result = outcome.example, outcome.result
    case = f"{example.case} " if example.case else ""
    return (
        f"  {case}expected {example.level.value}/{example.kind} got {result.level.value}/{result.kind}: {example.text}"
    )


def load_examples(path: Path) -> list[Example]:
    """Single messages, or (header starting `case`) messages with the earlier messages of their case as history."""
    examples: list[Example] = []
    history: dict[str, list[str]] = {}
    for row in read_rows(path):
        case = row.get("case", "")
        earlier = history.setdefault(case, []) if case else []
        examples.append(
            Example(
                row["text"],
                RiskLevel(row["level"]),
                row["kind"],
                row["about"],
                tuple(earlier),
                case,
                row.get("family") or "",
                row.get("lang") or "",
            )
        )
        if case:
            earlier.append(row["text"])
    return examples


def run(examples: list[Example], title: str, use_model: bool = True) -> Report:
    """Each message assessed with its history; in a multi-message case the result is the case's highest so far,
    as the conversation keeps it (the risk_level slot), which is what the labels of eval_multi.tsv describe."""
    warm_up()
    report = Report(title)
    highest: dict[str, RiskAssessment] = {}
    for example in examples:
        started = time.perf_counter()
        result = assess(example.text, example.history, use_model=use_model)
        seconds = time.perf_counter() - started
        if example.case:
            before = highest.get(example.case)
            if before is not None and (before.level.rank, before.kind != "none") >= (
                result.level.rank,
                result.kind != "none",
            ):
                result = before
            highest[example.case] = result
        report.outcomes.append(Outcome(example, result, seconds))
    return report


def last_of_each_case(report: Report, title: str) -> Report:
    last: dict[str, Outcome] = {}
    for outcome in report.outcomes:
        last[outcome.example.case] = outcome
    return Report(title, list(last.values()))


def evaluate_file(path: Path, use_model: bool = True) -> list[Report]:
    """Scores the whole detector, or with `use_model` false the rules alone (the deterministic floor)."""
    examples = load_examples(path)
    is_multi = any(example.case for example in examples)
    which = "" if use_model else ", rules only"
    title = f"{path.name}{which}: {'every line' if is_multi else 'single messages'} ({len(examples)})"
    report = run(examples, title, use_model)
    if not is_multi:
        return [report]
    return [report, last_of_each_case(report, f"{path.name}: last line of each case")]


def format_reports(reports: list[Report]) -> str:
    return "\n\n".join(report.format() for report in reports)


def failures(reports: list[Report]) -> list[str]:
    return [failure for report in reports for failure in report.failures]

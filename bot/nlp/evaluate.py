"""Scores intent classification on a held-out set and names the pairs it confuses."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

Example = tuple[str, str]  # (message, expected intent)


@dataclass
class IntentReport:
    total: int = 0
    correct: int = 0
    # (expected, predicted) -> count, for the wrong ones only
    confusions: Counter = field(default_factory=Counter)
    per_intent: dict[str, tuple[int, int]] = field(default_factory=dict)  # intent -> (correct, total)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (message, expected, predicted)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def format(self, top: int = 15) -> str:
        lines = [f"NLU held-out intent accuracy: {self.accuracy:.3f} ({self.correct}/{self.total})"]
        weakest = sorted(self.per_intent.items(), key=lambda item: item[1][0] / item[1][1])[:8]
        lines.append("weakest intents: " + ", ".join(f"{name} {c}/{t}" for name, (c, t) in weakest))
        lines.append("most confused (expected -> predicted: count):")
        lines += [f"  {exp} -> {pred}: {n}" for (exp, pred), n in self.confusions.most_common(top)]
        return "\n".join(lines)


def load_examples(path: Path) -> list[Example]:
    data = load_data(str(path))
    return [(message.get("text"), message.get("intent")) for message in data.intent_examples]


def evaluate(examples: list[Example], predict: Callable[[str], str]) -> IntentReport:
    report = IntentReport()
    per_intent: dict[str, list[int]] = {}
    for text, expected in examples:
        predicted = predict(text)
        counts = per_intent.setdefault(expected, [0, 0])
        counts[1] += 1
        report.total += 1
        if predicted == expected:
            report.correct += 1
            counts[0] += 1
        else:
            report.confusions[(expected, predicted)] += 1
            report.misses.append((text, expected, predicted))
    report.per_intent = {name: (c, t) for name, (c, t) in per_intent.items()}
    return report

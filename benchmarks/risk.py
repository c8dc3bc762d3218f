"""What the risk detector costs: time per message by length, with and without the learned reader, and the start-up
time and memory the learned reader adds to each process that loads it (Rasa and every web app).

`python -m benchmarks.risk` (part of `make bench`). Figures, not pass/fail: the goals are p95 <= 10 ms a message
up to 1,000 characters, and no more than 15 s and 400 MB more per process.
"""

import random
import statistics
import sys
import time

import psutil

LENGTHS = (20, 100, 250, 500, 1000)
MESSAGES_PER_LENGTH = 100


def _message(length: int, rng: random.Random, sentences) -> str:
    """A message of about `length` characters made of children's real sentences (the NLU examples and the
    labelled sets, risky and not), as a long paste would be."""
    text = ""
    while len(text) < length:
        text += rng.choice(sentences) + ". "
    return text[:length].strip()


def _sentences():
    from bot.risk.evaluate import load_examples
    from bot.risk.model import DATA_DIR, ordinary_messages

    return ordinary_messages() + [example.text for example in load_examples(DATA_DIR / "fresh.tsv")]


def _real_messages():
    from bot.risk.evaluate import load_examples
    from bot.risk.model import DATA_DIR

    return [
        example for name in ("fresh.tsv", "eval.tsv", "eval_multi.tsv") for example in load_examples(DATA_DIR / name)
    ]


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def _percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    from bot.risk import assess
    from bot.risk.detector import risk_matcher

    started, before = time.perf_counter(), _rss_mb()
    risk_matcher()
    assess("warm up the rules", use_model=False)
    rules_seconds, rules_mb = time.perf_counter() - started, _rss_mb() - before
    started, before = time.perf_counter(), _rss_mb()
    from bot.risk.detector import warm_up

    warm_up()
    model_seconds, model_mb = time.perf_counter() - started, _rss_mb() - before
    print(
        f"start-up: rules {rules_seconds:.1f} s, +{rules_mb:.0f} MB; learned reader (encoder and classifiers) "
        f"{model_seconds:.1f} s, +{model_mb:.0f} MB"
    )
    rng, sentences = random.Random(2026), _sentences()
    print(f"{'messages':<28} {'detector':<12}{'mean ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    real = [(example.text, example.history) for example in _real_messages()]
    _print_times("the labelled sets, as typed", real)
    for length in LENGTHS:
        # each message new (the encoder keeps the vectors of messages it has read), with three earlier ones
        messages = [_message(length, rng, sentences) + f" {index}" for index in range(MESSAGES_PER_LENGTH)]
        _print_times(f"{length} characters", [(text, messages[max(0, i - 3) : i]) for i, text in enumerate(messages)])
    return 0


def _print_times(title: str, messages) -> None:
    from bot.risk import assess

    for use_model, name in ((False, "rules only"), (True, "whole")):
        times = []
        for text, history in messages:
            begun = time.perf_counter()
            assess(text + (" ." if use_model else ""), history, use_model=use_model)  # a text the encoder has not read
            times.append((time.perf_counter() - begun) * 1000)
        print(
            f"{title:<28} {name:<12}{statistics.mean(times):>9.2f}{statistics.median(times):>9.2f}"
            f"{_percentile(times, 0.95):>9.2f}{max(times):>9.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())

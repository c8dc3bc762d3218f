"""Command line: `python -m bot.risk` prints `level<TAB>text` for each line of standard input;
`python -m bot.risk --eval FILE` prints the evaluation table and fails below the targets;
`--rules-only` leaves out the learned model; `--fit` fits the learned model if its data changed."""

import argparse
import logging
import sys
from pathlib import Path

from bot.risk.detector import assess


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, metavar="FILE", help="a labelled .tsv (data/risk/eval.tsv)")
    parser.add_argument("--rules-only", action="store_true", help="without the learned model")
    parser.add_argument("--fit", action="store_true", help="fit the learned model unless it is up to date")
    args = parser.parse_args()
    if args.fit:
        from bot.risk.model import fit_unless_fitted

        logging.basicConfig(level=logging.INFO, format="%(message)s")
        print(fit_unless_fitted())
        return 0
    if args.eval:
        from bot.risk.evaluate import evaluate_file, failures, format_reports

        reports = evaluate_file(args.eval, use_model=not args.rules_only)
        print(format_reports(reports))
        return 1 if failures(reports) else 0
    for line in sys.stdin:
        text = line.rstrip("\n")
        print(f"{assess(text, use_model=not args.rules_only).level.value}\t{text}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reads the labelled .tsv files (data/risk/*.tsv, bot/risk/training.tsv): a header row, `#` lines are comments."""

import csv
from pathlib import Path


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))

"""`python -m bot.risk`: standard input in, `level<TAB>text` out; `--eval` prints the table."""
import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

ENV = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}


def _run(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "bot.risk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=ENV,
        timeout=300,
    )


def test_lines_in_levels_out_in_order():
    lines = ["how do i block him", "i want to kill myself", "", "hes outside my door rn", "i cant cope"]
    done = _run(stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "none\thow do i block him",
        "high\ti want to kill myself",
        "none\t",
        "imminent\thes outside my door rn",
        "concern\ti cant cope",
    ]


def test_eval_prints_the_table_and_passes():
    done = _run("--eval", "data/risk/eval.tsv")
    assert "recall" in done.stdout and "false-positive rate" in done.stdout
    assert "time per message" in done.stdout
    assert done.returncode == 0, done.stdout


def test_eval_fails_below_the_targets(tmp_path):
    labelled = tmp_path / "bad.tsv"
    labelled.write_text("level\tkind\tabout\ttext\nimminent\tsuicide\tself\thow do i report him\n", encoding="utf-8")
    done = _run("--eval", str(labelled))
    assert done.returncode != 0
    assert "FAIL" in done.stdout


def test_eval_reads_the_multi_message_file():
    done = _run("--eval", "data/risk/eval_multi.tsv")
    assert "last line of each case" in done.stdout
    assert done.returncode == 0, done.stdout

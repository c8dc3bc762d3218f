"""`python -m bot.risk`: standard input in, `level<TAB>text` out; `--eval` prints the table.

The first test runs the command as a person would; the `--eval` ones call its `main` in this process, where the
detector is already loaded (a fresh process spends 10 s or more loading spaCy and the rules before the first line).
"""

import os
import subprocess
import sys

from bot.risk import __main__ as command
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


def _eval(path, monkeypatch, capsys) -> tuple[int, str]:
    """`python -m bot.risk --eval PATH`, run in this process: its exit code and what it printed."""
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setattr(sys, "argv", ["python -m bot.risk", "--eval", str(path)])
    code = command.main()
    return code, capsys.readouterr().out


def test_eval_prints_the_table_and_passes(monkeypatch, capsys):
    code, printed = _eval("data/risk/eval.tsv", monkeypatch, capsys)
    assert "recall" in printed and "false-positive rate" in printed
    assert "time per message" in printed
    assert code == 0, printed


def test_eval_fails_below_the_targets(tmp_path, monkeypatch, capsys):
    labelled = tmp_path / "bad.tsv"
    labelled.write_text("level\tkind\tabout\ttext\nimminent\tsuicide\tself\thow do i report him\n", encoding="utf-8")
    code, printed = _eval(labelled, monkeypatch, capsys)
    assert code != 0
    assert "FAIL" in printed


def test_eval_reads_the_multi_message_file(monkeypatch, capsys):
    code, printed = _eval("data/risk/eval_multi.tsv", monkeypatch, capsys)
    assert "last line of each case" in printed
    assert code == 0, printed

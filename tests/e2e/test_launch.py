"""`make run`'s launcher: it serves, brings back a crashed server, and Ctrl-C stops everything."""

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from bot import launch
from bot.content.facts import verified_contacts
from bot.store.migrate import upgrade
from tests import early_start
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import Chat

FACTS = verified_contacts()
RASA_PORT, ACTION_PORT = 5205, 5255


def _lines(process: subprocess.Popen) -> "queue.Queue[str]":
    lines: queue.Queue[str] = queue.Queue()
    output = process.stdout
    assert output is not None  # started with stdout=PIPE

    def read() -> None:
        for line in output:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _wait_for_line(lines, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return
    pytest.fail(f"launcher never said {text!r}; it said:\n{''.join(seen[-30:])}")


def _lines_so_far(lines):
    while not lines.empty():
        yield lines.get_nowait()


def _action_server(launcher: psutil.Process) -> psutil.Process:
    [server] = [child for child in launcher.children() if "actions" in child.cmdline()]
    return server


@dataclass
class Launcher:
    process: subprocess.Popen
    lines: "queue.Queue[str]"
    workdir: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                child.kill()
            self.process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


@early_start.register("launcher")
def start_launcher() -> Launcher:
    """`python -m bot.launch`, as `make run` starts it, once it says the assistant is running."""
    workdir = Path(tempfile.mkdtemp(prefix="launch-"))
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database_url)
    env = {**os.environ, "DATABASE_URL": database_url, "RASA_TOKEN": "launch-test", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.launch", "--rasa-port", str(RASA_PORT), "--action-port", str(ACTION_PORT)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    launcher = Launcher(process, _lines(process), workdir)
    try:
        _wait_for_line(launcher.lines, "The assistant is running", timeout=240)
    except BaseException:
        launcher.stop()
        raise
    return launcher


@pytest.fixture
def launcher():
    yield from early_start.serve("launcher")


def test_launcher_serves_restarts_a_crashed_server_and_stops_everything_on_ctrl_c(launcher):
    process, lines = launcher.process, launcher.lines
    chat = Chat(f"http://127.0.0.1:{RASA_PORT}")
    assert FACTS["uk_ceop_url"] in chat.reply("how do i report him")

    parent = psutil.Process(process.pid)
    crashed = _action_server(parent)
    crashed.kill()
    _wait_for_line(lines, "restarting it", timeout=30)
    launch.wait_until_up(f"http://127.0.0.1:{ACTION_PORT}/health", [process], timeout=60)
    assert _action_server(parent).pid != crashed.pid
    assert FACTS["ca_cybertip_url"] in Chat(chat.rasa_url).reply("how do i report it in canada")

    children = parent.children(recursive=True)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group at once
    assert process.wait(timeout=60) == 0
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"still running after Ctrl-C: {[p.cmdline()[:3] for p in alive]}"
    assert "restarting it" not in "".join(_lines_so_far(lines)), "Ctrl-C must not restart servers"

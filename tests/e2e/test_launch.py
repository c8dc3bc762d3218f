"""`make run`'s launcher: it serves, brings back a crashed server, and Ctrl-C stops everything."""
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import psutil
import pytest

from bot import launch
from bot.content.facts import verified_contacts
from bot.store.migrate import upgrade
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import Chat

FACTS = verified_contacts()
RASA_PORT, ACTION_PORT = 5205, 5255


def _lines(process: subprocess.Popen) -> "queue.Queue[str]":
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
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


def test_launcher_serves_restarts_a_crashed_server_and_stops_everything_on_ctrl_c(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(database_url)
    env = {**os.environ, "DATABASE_URL": database_url, "RASA_TOKEN": "launch-test", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.launch", "--rasa-port", str(RASA_PORT), "--action-port", str(ACTION_PORT)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    launcher = psutil.Process(process.pid)
    try:
        lines = _lines(process)
        _wait_for_line(lines, "The assistant is running", timeout=240)
        chat = Chat(f"http://127.0.0.1:{RASA_PORT}")
        assert FACTS["uk_ceop_url"] in chat.reply("how do i report him")

        crashed = _action_server(launcher)
        crashed.kill()
        _wait_for_line(lines, "restarting it", timeout=30)
        launch.wait_until_up(f"http://127.0.0.1:{ACTION_PORT}/health", [process], timeout=60)
        assert _action_server(launcher).pid != crashed.pid
        assert FACTS["ca_cybertip_url"] in Chat(chat.rasa_url).reply("how do i report it in canada")

        children = launcher.children(recursive=True)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group at once
        assert process.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"still running after Ctrl-C: {[p.cmdline()[:3] for p in alive]}"
        assert "restarting it" not in "".join(_lines_so_far(lines)), "Ctrl-C must not restart servers"
    finally:
        if process.poll() is None:
            for child in launcher.children(recursive=True):
                child.kill()
            process.kill()

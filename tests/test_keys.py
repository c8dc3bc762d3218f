"""Secrets kept under var/: servers starting together all get the one secret, kept owner-only."""

import os
import stat
import subprocess
import sys
import time

from tests.conftest import PROJECT_ROOT

READ_SECRET = "from bot.keys import kept_secret; print(kept_secret('NO_SUCH_SECRET_VARIABLE', 'web-secret'))"
# Each process is ready first, then all read at the same instant, as far as a test can make them.
READ_SECRET_AT = """
import sys, time
from bot.keys import kept_secret
while time.time() < float(sys.argv[1]):
    pass
print(kept_secret('NO_SUCH_SECRET_VARIABLE', 'web-secret'))
"""


def test_servers_starting_together_all_read_the_one_secret(tmp_path):
    env = {**os.environ, "BOT_VAR_DIR": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    at = str(time.time() + 3)
    starting = [
        subprocess.Popen([sys.executable, "-c", READ_SECRET_AT, at], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(12)
    ]
    secrets = {process.communicate(timeout=60)[0].strip() for process in starting}
    assert len(secrets) == 1 and len(secrets.pop()) >= 48
    assert [path.name for path in tmp_path.iterdir()] == ["web-secret"]  # no draft left behind
    assert stat.S_IMODE((tmp_path / "web-secret").stat().st_mode) == 0o600


def test_the_environment_wins_over_the_file(tmp_path):
    env = {
        **os.environ,
        "BOT_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(PROJECT_ROOT),
        "NO_SUCH_SECRET_VARIABLE": "from the environment",
    }
    output = subprocess.run([sys.executable, "-c", READ_SECRET], env=env, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "from the environment"
    assert not (tmp_path / "web-secret").exists()

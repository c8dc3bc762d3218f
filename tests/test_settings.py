"""The settings (bot/settings.py): defaults, environment overrides, and a bad value refused at start in one line.

Each case imports the settings in a fresh Python, since they are read, and refused, at import.
"""

import json
import os
import subprocess
import sys

import pytest

from bot import settings

SHOW = "import json; from bot import settings as s; print(json.dumps({name: str(getattr(s, name)) for name in {}}))"


def run_settings(names: tuple[str, ...], **env: str) -> subprocess.CompletedProcess:
    """Imports bot.settings with `env` over an environment without any setting, printing `names` as JSON."""
    clean = {name: value for name, value in os.environ.items() if name not in settings.Settings.__fields__}
    clean.pop("BOT_VAR_DIR", None)
    return subprocess.run(
        [sys.executable, "-c", SHOW.replace("{}", repr(names))],
        env={**clean, "PYTHONPATH": str(settings.PROJECT_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def values(*names: str, **env: str) -> dict[str, str]:
    done = run_settings(names, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refusal(**env: str) -> str:
    """What start-up says when it refuses `env`: one line, no traceback."""
    done = run_settings((), **env)
    assert done.returncode == 1 and not done.stdout
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    return line


def test_the_defaults():
    found = values("WEB_PORT", "RETENTION_DAYS", "COOKIE_SECURE", "RASA_URL", "COUNSELLOR_HOURS", "VAR_DIR")
    assert found == {
        "WEB_PORT": "8000",
        "RETENTION_DAYS": "30",
        "COOKIE_SECURE": "False",
        "RASA_URL": "http://127.0.0.1:5005",
        "COUNSELLOR_HOURS": "09:00-00:00",
        "VAR_DIR": str(settings.PROJECT_ROOT / "var"),
    }


def test_the_environment_overrides_a_default():
    found = values(
        "WEB_PORT",
        "RATE_WINDOW_SECONDS",
        "COOKIE_SECURE",
        "REDIS_URL",
        WEB_PORT="8123",
        RATE_WINDOW_SECONDS="2.5",
        COOKIE_SECURE="true",
        REDIS_URL="redis://127.0.0.1:6390/0",
    )
    assert found == {
        "WEB_PORT": "8123",
        "RATE_WINDOW_SECONDS": "2.5",
        "COOKIE_SECURE": "True",
        "REDIS_URL": "redis://127.0.0.1:6390/0",
    }


def test_defaults_that_follow_other_settings(tmp_path):
    found = values(
        "DATABASE_URL",
        "CONTENT_SNAPSHOT_FILE",
        "ACTION_ENDPOINT_URL",
        BOT_VAR_DIR=str(tmp_path),
        ACTION_SERVER_PORT="5999",
    )
    assert found == {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "CONTENT_SNAPSHOT_FILE": str(tmp_path / "content-snapshot.json"),
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:5999/webhook",
    }


@pytest.mark.parametrize(
    "name, value, why",
    [
        ("WEB_PORT", "abc", "not a valid integer"),
        ("WEB_PORT", "70000", "less than or equal to 65535"),
        ("RETENTION_DAYS", "-1", "greater than 0"),
        ("RATE_WINDOW_SECONDS", "soon", "not a valid float"),
        ("RASA_URL", "localhost:5005", "URL scheme"),
        ("QUICK_EXIT_URL", "weather", "URL"),
        ("COOKIE_SECURE", "maybe", "boolean"),
        ("COUNSELLOR_HOURS", "9-5", "09:00-00:00"),
        ("COUNSELLOR_TIMEZONE", "Mars/Olympus", "timezone"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_setting_and_the_value(name, value, why):
    line = refusal(**{name: value})
    assert line.startswith(f"Bad setting: {name}={value!r} (")
    assert why in line


def test_every_bad_value_is_named_on_the_one_line():
    line = refusal(WEB_PORT="abc", MAX_MESSAGE_CHARS="0")
    assert "WEB_PORT='abc'" in line and "MAX_MESSAGE_CHARS='0'" in line

"""Starts the real Rasa server, action server and web app once for the end-to-end tests."""

import json
import os
import shutil
import sys
import tempfile
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot import launch, settings
from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade
from tests import early_start

# E2E_PORT_OFFSET lets two test runs share the machine (a helper's run beside the main one).
_OFFSET = int(os.environ.get("E2E_PORT_OFFSET", "0"))
RASA_PORT = 5105 + _OFFSET
ACTION_PORT = 5155 + _OFFSET
WEB_PORT = 8105 + _OFFSET
# The quick exit's neutral page; the browser tests answer it themselves (the machine is offline).
QUICK_EXIT_URL = "https://weather.example/today"
COUNSELLOR_PASSWORD = "a long test password 1"


class Chat:
    """One conversation with the running assistant over its REST channel."""

    def __init__(self, rasa_url: str):
        self.rasa_url = rasa_url
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> list[dict]:
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": self.sender, "message": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def texts(self, text: str) -> list[str]:
        return [reply.get("text", "") for reply in self.say(text)]

    def reply(self, text: str) -> str:
        """Everything the bot answers to one message, as one string."""
        return "\n".join(self.texts(text))


def parse(assistant, text: str) -> dict:
    """What the running Rasa's NLU makes of a message (intent, entities, the risk detector's finding)."""
    request = urllib.request.Request(
        f"{assistant.rasa_url}/model/parse?token={assistant.token}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@early_start.register("assistant")
def start_assistant() -> launch.Servers:
    """Rasa, the action server and the web app on a fresh SQLite database, answering."""
    workdir = Path(tempfile.mkdtemp(prefix="assistant-"))
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database_url)
    servers = launch.start_servers(
        rasa_port=RASA_PORT,
        action_port=ACTION_PORT,
        web_port=WEB_PORT,
        extra_env={
            "DATABASE_URL": database_url,
            "BOT_VAR_DIR": str(workdir),
            "COUNSELLOR_HOURS": "00:00-00:00",
            "QUICK_EXIT_URL": QUICK_EXIT_URL,
            "SIGN_IN_RECHECK_SECONDS": "1",
        },
        log_dir=workdir / "logs",
        token="test-token",
    )
    servers.database_url = database_url
    servers.workdir = workdir
    return servers


@pytest.fixture(scope="session")
def assistant():
    if not settings.MODEL_PATH.exists():
        pytest.fail(f"No trained model at {settings.MODEL_PATH}: run `make train` (make test does).")
    servers = yield from early_start.serve("assistant")
    shutil.rmtree(servers.workdir, ignore_errors=True)


@pytest.fixture
def chat(assistant) -> Chat:
    return Chat(assistant.rasa_url)


@pytest.fixture
def web_url(assistant) -> str:
    return assistant.web_url


def add_user(database_url: str, role: str = "counsellor", display_name: str = "") -> str:
    """A new account on that database; returns its name (the password is COUNSELLOR_PASSWORD)."""
    name = f"{role}-{uuid.uuid4().hex[:8]}"
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            users.create_user(session, name, role, COUNSELLOR_PASSWORD, display_name)
    finally:
        engine.dispose()
    return name


@pytest.fixture
def counsellor_name(assistant) -> str:
    return add_user(assistant.database_url)


@contextmanager
def web_apps_alone(
    ports: Sequence[int], database_url: str, rasa_url: str, workdir, **settings_env: str
) -> Iterator[list[str]]:
    """Web app processes of their own, one per port, on that database, in front of that Rasa (or none), or
    otherwise set; started together, and stopped on leaving."""
    env = {
        **os.environ,
        **launch.QUIET_ENV,
        "DATABASE_URL": database_url,
        "RASA_URL": rasa_url,
        "BOT_VAR_DIR": str(workdir),
        "COUNSELLOR_HOURS": "00:00-00:00",
        "QUICK_EXIT_URL": QUICK_EXIT_URL,
        "PYTHONPATH": str(settings.PROJECT_ROOT),
        **settings_env,
    }
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    web_apps = launch.Servers(
        rasa_url=rasa_url,
        action_url="",
        token="",
        servers=[
            launch.Server(
                f"web app {port}",
                [sys.executable, "-m", "bot.web", "--port", str(port)],
                env,
                f"{url}/healthz",
                log_file=Path(workdir) / f"web-{port}.log",
            )
            for port, url in zip(ports, urls, strict=True)
        ],
    )
    launch.start_all(web_apps, timeout=90)
    try:
        yield urls
    finally:
        web_apps.stop()


@contextmanager
def web_app_alone(port: int, database_url: str, rasa_url: str, workdir, **settings_env: str) -> Iterator[str]:
    """One web app process of its own (see web_apps_alone)."""
    with web_apps_alone([port], database_url, rasa_url, workdir, **settings_env) as (url,):
        yield url

"""Starts the real Rasa server and action server once for the end-to-end tests."""
import json
import urllib.request
import uuid
from typing import List

import pytest

from bot import launch, settings
from bot.store.migrate import upgrade

RASA_PORT = 5105
ACTION_PORT = 5155


class Chat:
    """One conversation with the running assistant over its REST channel."""

    def __init__(self, rasa_url: str):
        self.rasa_url = rasa_url
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> List[dict]:
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": self.sender, "message": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def texts(self, text: str) -> List[str]:
        return [reply.get("text", "") for reply in self.say(text)]

    def reply(self, text: str) -> str:
        """Everything the bot answers to one message, as one string."""
        return "\n".join(self.texts(text))


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    if not settings.MODEL_PATH.exists():
        pytest.fail(f"No trained model at {settings.MODEL_PATH}: run `make train` (make test does).")
    workdir = tmp_path_factory.mktemp("assistant")
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database_url)
    servers = launch.start_servers(
        rasa_port=RASA_PORT,
        action_port=ACTION_PORT,
        extra_env={"DATABASE_URL": database_url},
        log_dir=workdir / "logs",
        token="test-token",
    )
    servers.database_url = database_url
    yield servers
    servers.stop()


@pytest.fixture
def chat(assistant) -> Chat:
    return Chat(assistant.rasa_url)

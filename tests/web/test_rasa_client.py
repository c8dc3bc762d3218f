"""The web app keeps its messages to Rasa in line: at most `at_once` with Rasa, the others waiting their turn in
order, and one that waits too long answered by the web app itself without taking Rasa's time.

Rasa itself cannot be made slow on demand, so an overloaded Rasa is played by a small HTTP server on loopback that
answers like Rasa's REST channel after a delay and counts how many requests it holds at once."""

import asyncio
import logging
import threading
import time

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot import settings
from bot.web.app import create_app
from bot.web.core.rasa import RasaClient, RasaUnavailable
from tests.postgres_server import _free_port


class SlowRasa:
    def __init__(self, seconds: float):
        self.seconds, self.now, self.most = seconds, 0, 0
        self.seen: list[str] = []

    async def webhook(self, request):
        message = await request.json()
        self.seen.append(message["message"])
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(self.seconds)
        self.now -= 1
        return JSONResponse([{"recipient_id": message["sender"], "text": f"You said {message['message']}."}])


@pytest.fixture
def slow_rasa():
    rasa = SlowRasa(0.4)
    port = _free_port()
    app = Starlette(routes=[Route("/webhooks/rest/webhook", rasa.webhook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the stand-in for Rasa did not start"
        time.sleep(0.01)
    rasa.url = f"http://127.0.0.1:{port}"
    yield rasa
    server.should_exit = True
    thread.join(timeout=10)


async def _send_all(client: RasaClient, count: int):
    async def one(number: int):
        try:
            return (await client.reply(f"child-{number}", f"message {number}")).replies[0].text
        except RasaUnavailable:
            return None

    try:
        return await asyncio.gather(*(one(number) for number in range(count)))
    finally:
        await client.close()


def test_rasa_works_on_at_most_at_once_messages_and_every_one_is_answered_in_order(slow_rasa):
    answers = asyncio.run(_send_all(RasaClient(slow_rasa.url, at_once=2, queue_seconds=30), 6))

    assert answers == [f"You said message {number}." for number in range(6)]
    assert slow_rasa.most == 2
    assert slow_rasa.seen == [f"message {number}" for number in range(6)]  # in the order they came


def test_a_message_waiting_too_long_is_answered_by_the_web_app_without_rasa(slow_rasa):
    started = time.monotonic()
    answers = asyncio.run(_send_all(RasaClient(slow_rasa.url, at_once=1, queue_seconds=0.1), 3))

    assert answers == ["You said message 0.", None, None]  # None: the web app's own answer, with the numbers
    assert slow_rasa.seen == ["message 0"]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("due_seconds, warned", [(45, False), (30, True), (10, True)])
def test_a_reply_due_time_a_live_instance_can_miss_is_warned_of_at_start(monkeypatch, caplog, due_seconds, warned):
    # In line up to 10 s, then up to 20 s with Rasa: an answer due sooner could be given twice.
    monkeypatch.setattr(settings, "RASA_QUEUE_SECONDS", 10.0)
    monkeypatch.setattr(settings, "REPLY_DUE_SECONDS", float(due_seconds))
    with caplog.at_level(logging.WARNING, logger="bot.web.app"):
        create_app("sqlite://", "http://127.0.0.1:9")
    assert any("REPLY_DUE_SECONDS" in record.getMessage() for record in caplog.records) == warned

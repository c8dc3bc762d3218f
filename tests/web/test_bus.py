"""Events between web app instances over a real Redis: in order, and never holding up a turn when Redis hangs."""

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from starlette.websockets import WebSocketState

from bot.web.core.bus import RedisHub
from tests.redis_server import redis_server


class Page:
    """What the hub needs of a connected page: its state and send_json."""

    application_state = WebSocketState.CONNECTED

    def __init__(self):
        self.events: list[dict] = []

    async def send_json(self, event: dict) -> None:
        self.events.append(event)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@pytest.fixture
def hung_redis_url() -> Iterator[str]:
    """A port that accepts connections and never answers, like a Redis host that has hung."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


async def wait_until(condition, seconds: float = 10) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time allowed")


def test_another_instance_gets_every_event_in_the_order_sent(redis_url):
    async def run():
        sender, receiver = RedisHub(redis_url), RedisHub(redis_url)
        await sender.start()
        await receiver.start()
        try:
            page = Page()
            receiver.add_child("chat-1", page)
            await asyncio.sleep(0.5)  # the receiver's subscription is in place
            for number in range(300):
                await sender.to_child("chat-1", {"type": "message", "n": number})
            await wait_until(lambda: len(page.events) >= 300)
            return [event["n"] for event in page.events]
        finally:
            await sender.stop()
            await receiver.stop()

    assert asyncio.run(run()) == list(range(300))


def test_a_hung_redis_never_holds_up_the_events_of_this_instance(hung_redis_url):
    async def run():
        hub = RedisHub(hung_redis_url)
        await hub.start()
        try:
            page = Page()
            hub.add_child("chat-1", page)
            # Each publish to the hung Redis would wait out its 2 s timeout; ten of them, 20 s.
            await asyncio.wait_for(
                asyncio.gather(*(hub.to_child("chat-1", {"type": "message", "n": n}) for n in range(10))), timeout=1
            )
            return [event["n"] for event in page.events]
        finally:
            await hub.stop()

    assert asyncio.run(run()) == list(range(10))

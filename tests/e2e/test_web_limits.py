"""Abuse limits and headers of the web app, over real HTTP and WebSockets."""

import asyncio

import httpx

from tests.client import ChildPage
from tests.e2e.conftest import web_app_alone


def test_one_address_flooding_from_many_chats_is_slowed_down_kindly(assistant, tmp_path):
    with web_app_alone(
        8111, assistant.database_url, assistant.rasa_url, tmp_path, RATE_IP_MESSAGES="3", RATE_MESSAGES="100"
    ) as url:

        async def two_chats_from_one_address():
            async with ChildPage(url) as first, ChildPage(url) as second:
                for text in ("hi", "thanks"):
                    await first.send(text)
                    await first.next_event(lambda e: e["type"] == "ack")
                await second.send("hi")
                await second.next_event(lambda e: e["type"] == "ack")
                refused = await second.send("hello?")
                return refused, await second.next_event(lambda e: e["type"] == "notice")

        refused, notice = asyncio.run(two_chats_from_one_address())
    assert notice["refused"] == refused and "fast" in notice["text"]


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(web_url):
    too_big = b"x" * (3 * 1024 * 1024 + 1)
    with httpx.Client(base_url=web_url, timeout=30) as http:
        assert http.post("/login", content=too_big).status_code == 413

        def chunks():  # no Content-Length: counted as it arrives
            for _ in range(4):
                yield b"x" * (1024 * 1024)

        refused = http.post("/login", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
        # Starlette's form parser refuses a field over 1 MB itself (400) before this limit (413) is reached.
        assert refused.status_code in (400, 413) and "Traceback" not in refused.text


def test_hsts_only_when_served_over_https(web_url, assistant, tmp_path):
    assert "strict-transport-security" not in httpx.get(web_url + "/healthz").headers
    with web_app_alone(8112, assistant.database_url, assistant.rasa_url, tmp_path, COOKIE_SECURE="true") as url:
        headers = httpx.get(url + "/").headers
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]

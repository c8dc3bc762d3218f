"""`make run-cluster`'s layout (PostgreSQL, Redis, nginx, two of each server): the handoff in a real browser,
with the child on one web app instance and the counsellor on the other; one instance killed mid-conversation."""

import asyncio
import json
import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot import launch
from bot.cluster import Layout, start_cluster
from bot.store import transcript
from bot.store.db import make_engine, session_scope
from bot.store.rasa_events import events as rasa_events
from tests import early_start
from tests.client import ChildPage
from tests.e2e.conftest import add_user
from tests.e2e.test_web_browser import browser, open_chat, risk_message_to_counsellor_and_back, sign_in  # noqa: F401

LAYOUT = Layout()


@early_start.register("cluster")
def start_test_cluster() -> launch.Servers:
    # Not under pytest's own temporary folder: PostgreSQL's user must be able to reach its data inside.
    workdir = Path(tempfile.mkdtemp(prefix="cluster-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    # A stopped instance's unanswered message is answered by the other within REPLY_DUE_SECONDS and a look.
    servers = start_cluster(
        workdir,
        LAYOUT,
        extra_env={
            "COUNSELLOR_HOURS": "00:00-00:00",
            "BOT_VAR_DIR": str(workdir),
            "REPLY_DUE_SECONDS": "10",
            "OVERDUE_CHECK_SECONDS": "1",
        },
    )
    servers.workdir = workdir
    return servers


@pytest.fixture(scope="module")
def cluster():
    servers = yield from early_start.serve("cluster")
    shutil.rmtree(servers.workdir, ignore_errors=True)


def test_nginx_answers_for_the_web_apps_and_the_rasa_servers(cluster):
    assert httpx.get(LAYOUT.web_url() + "/healthz").json() == {"ok": True}
    replies = [
        httpx.post(
            f"http://127.0.0.1:{LAYOUT.rasa_front}/webhooks/rest/webhook",
            json={"sender": "cluster-check", "message": text},
            timeout=60,
        ).json()
        for text in ("hi", "should i pay him")
    ]
    assert all(replies)


def test_a_counsellor_on_one_instance_takes_a_child_on_the_other_in_the_browser(cluster, browser):  # noqa: F811
    name = add_user(LAYOUT.database_url)
    child = open_chat(browser, LAYOUT.web_url(0))
    counsellor = sign_in(browser, LAYOUT.web_url(1), name)
    try:
        risk_message_to_counsellor_and_back(child, counsellor)
    finally:
        child.context.close()
        counsellor.context.close()


def rasa_took(conversation: str, client_id: str) -> int:
    """How many times Rasa's tracker store holds the web app's message `client_id`."""
    engine = make_engine(LAYOUT.database_url)
    try:
        with session_scope(engine) as session:
            stored = session.scalars(
                sa.select(rasa_events.c.data).where(
                    rasa_events.c.sender_id == conversation, rasa_events.c.type_name == "user"
                )
            ).all()
    finally:
        engine.dispose()
    return sum((json.loads(data).get("metadata") or {}).get("client_id") == client_id for data in stored)


def test_when_a_web_app_instance_is_killed_its_children_carry_on_through_the_other(cluster):
    """Two chats through nginx land on different instances; web app 1 is killed after storing a message, while
    Rasa works on its answer. The chat it held reconnects through nginx, the page resends what it sent, the other
    instance answers the message web app 1 left unanswered, and the same conversation goes on: every message
    stored once, in order, and answered once; Rasa took it once."""
    web_app_1 = cluster.server("web app 1")

    async def run():
        pages = [await ChildPage(LAYOUT.web_url()).__aenter__() for _ in range(2)]
        for page in pages:
            await page.say("hi")
        in_flight = {id(page): await page.send("he wants money") for page in pages}
        for page in pages:  # stored; the answers are on their way
            await page.next_event(lambda e, page=page: e["type"] == "ack" and e["id"] == in_flight[id(page)])
        web_app_1.process.kill()
        await asyncio.wait([asyncio.ensure_future(page.socket.wait_closed()) for page in pages], timeout=15)
        dropped = [page for page in pages if page.socket.closed]
        assert len(dropped) == 1, "nginx should have put one chat on each instance"
        [page] = dropped
        last_seen = max(e["seq"] for e in page.events if e["type"] in ("message", "ack") and e.get("seq"))
        acked = next(e["seq"] for e in page.events if e["type"] == "ack" and e["id"] == in_flight[id(page)])

        def an_answer(event) -> bool:
            return event["type"] == "message" and event["speaker"] == "bot" and event["seq"] > acked

        async with ChildPage(LAYOUT.web_url(), page.conversation, after=last_seen) as again:
            await again.send("he wants money", client_id=in_flight[id(page)])  # as the page resends it
            await again.next_event(lambda e: e["type"] == "ack" and e["id"] == in_flight[id(page)])
            if not any(an_answer(e) for e in page.events + again.events):  # web app 1 stopped before answering
                await again.next_event(an_answer, timeout=30)
            await again.say("what do i do")
        for other in pages:
            if other is not page:
                await other.__aexit__(None, None, None)
        return again.conversation, page.conversation, in_flight[id(page)]

    try:
        with ThreadPoolExecutor(1) as apart:  # this module's Playwright browser keeps an event loop running here
            conversation, before, interrupted = apart.submit(asyncio.run, run()).result()
        assert conversation == before
        engine = make_engine(LAYOUT.database_url)
        try:
            with session_scope(engine) as session:
                stored = transcript.messages_after(session, conversation, 0)
        finally:
            engine.dispose()
        assert [m.text for m in stored if m.speaker == "child"] == ["hi", "he wants money", "what do i do"]
        speakers = "".join("c" if m.speaker == "child" else "b" for m in stored)
        assert re.fullmatch("(cb+)+", speakers), f"each message answered, in turn: {speakers}"
        assert rasa_took(conversation, interrupted) == 1
    finally:
        if not web_app_1.running():  # back for whatever runs after, and for the fixture to stop
            web_app_1.start()
            launch.wait_until_up(web_app_1.health_url, [web_app_1.process], timeout=90)

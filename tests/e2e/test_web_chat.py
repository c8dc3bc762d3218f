"""The children's side of the web app, over its WebSocket, against the real Rasa, action server and database."""

import asyncio

import pytest

from bot.store import handoffs, transcript
from bot.store.db import make_engine, session_scope
from tests.client import ChildPage
from tests.e2e.conftest import web_app_alone


def stored(database_url, conversation_id):
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return transcript.messages_after(session, conversation_id)
    finally:
        engine.dispose()


def waiting(database_url):
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return handoffs.queue(session)
    finally:
        engine.dispose()


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_child_message_is_answered_by_the_bot_and_both_are_stored_in_order(assistant, web_url):
    async def talk():
        async with ChildPage(web_url) as page:
            client_id = await page.send("hi")
            ack = await page.next_event(lambda e: e["type"] == "ack")
            replies = await page.bot_messages_until_quiet()
            return page.conversation, client_id, ack, replies

    conversation, client_id, ack, replies = run(talk())
    assert ack == {"type": "ack", "id": client_id, "seq": 1}
    assert replies and all(reply["speaker"] == "bot" for reply in replies)
    assert any("bot" in reply["text"].lower() for reply in replies)  # it says it is a bot
    saved = stored(assistant.database_url, conversation)
    assert [(m.seq, m.speaker) for m in saved][:2] == [(1, "child"), (2, "bot")]
    assert saved[0].text == "hi" and saved[0].client_id == client_id
    assert [m.text for m in saved[1:]] == [r["text"] for r in replies]


@pytest.mark.parametrize(
    "message, emergency",
    [
        ("i want to kill myself tonight", "999"),
        ("im on the bridge now", "999"),
    ],
)
def test_a_risk_message_gets_the_emergency_number_first_and_queues_for_a_person(assistant, web_url, message, emergency):
    async def talk():
        async with ChildPage(web_url) as page:
            await page.send(message)
            return page.conversation, await page.bot_messages_until_quiet()

    conversation, replies = run(talk())
    assert emergency in replies[0]["text"], replies[0]["text"]
    stored_child = stored(assistant.database_url, conversation)[0]
    assert stored_child.risk_level == "imminent"
    queued = [entry for entry in waiting(assistant.database_url) if entry.conversation_id == conversation]
    assert queued and queued[0].risk_level == "imminent" and queued[0].reason == "risk"
    # nobody is signed in to a console in this test: the child is told so, never left waiting in silence
    assert any("No one from our team is online" in reply["text"] for reply in replies)


def test_a_message_resent_after_a_reconnect_is_stored_and_answered_once(assistant, web_url):
    async def talk():
        async with ChildPage(web_url) as page:
            client_id = await page.send("how do i block him")
            await page.next_event(lambda e: e["type"] == "ack")
            conversation = page.conversation
        # the page reconnects having seen nothing since, and sends the same message again
        async with ChildPage(web_url, conversation=conversation, after=0) as again:
            await again.send("how do i block him", client_id=client_id)
            ack = await again.next_event(lambda e: e["type"] == "ack")
            await again.bot_messages_until_quiet()
            return conversation, client_id, ack, again.events

    conversation, client_id, ack, events = run(talk())
    assert ack["seq"] == 1
    saved = stored(assistant.database_url, conversation)
    assert [m.client_id for m in saved].count(client_id) == 1
    # the page got the bot's answer from the first connection when it came back
    replayed = [e for e in events if e["type"] == "message"]
    assert [e["seq"] for e in replayed] == sorted({e["seq"] for e in replayed})
    assert any(e["speaker"] == "bot" for e in replayed)


def test_html_is_kept_as_text(assistant, web_url):
    text = '<script>alert("x")</script><b>hi</b>'

    async def talk():
        async with ChildPage(web_url) as page:
            await page.send(text)
            await page.next_event(lambda e: e["type"] == "ack")
            return page.conversation

    assert stored(assistant.database_url, run(talk()))[0].text == text


def test_bad_input_gets_a_kind_answer_and_nothing_is_lost(assistant, web_url):
    async def talk():
        async with ChildPage(web_url) as page:
            too_long = await page.send("a" * 1001)
            long_notice = await page.next_event(lambda e: e["type"] == "notice")
            await page.send_event(b"\x89PNG\r\n\x1a\n")
            picture_notice = await page.next_event(lambda e: e["type"] == "notice")
            await page.send_event("not json {")
            empty = await page.send("   ")
            empty_ack = await page.next_event(lambda e: e["type"] == "ack")
            return page.conversation, too_long, long_notice, picture_notice, empty, empty_ack

    conversation, too_long, long_notice, picture_notice, empty, empty_ack = run(talk())
    assert long_notice["refused"] == too_long and "shorter" in long_notice["text"]
    assert "pictures" in picture_notice["text"]
    assert empty_ack == {"type": "ack", "id": empty, "seq": None}
    assert stored(assistant.database_url, conversation) == []


def test_a_flood_is_slowed_down_kindly(assistant, web_url):
    async def talk():
        async with ChildPage(web_url) as page:
            sent = [await page.send(f"message {n}") for n in range(12)]
            notice = await page.next_event(lambda e: e["type"] == "notice", timeout=120)
            return sent, notice

    sent, notice = run(talk())
    assert "fast" in notice["text"] and notice["refused"] in sent


def test_with_rasa_down_the_child_still_gets_the_numbers_and_a_person(assistant, tmp_path):
    # a web app in front of a Rasa that is not there, on the same database
    with web_app_alone(8106, assistant.database_url, "http://127.0.0.1:5999", tmp_path) as url:

        async def talk():
            async with ChildPage(url) as page:
                await page.send("he says he will send the pics to my school")
                first = await page.bot_messages_until_quiet()
                await page.send("i want to die")
                second = await page.bot_messages_until_quiet()
                return page.conversation, first, second

        conversation, first, second = run(talk())
    assert "999" in first[0]["text"] and "0800 1111" in first[0]["text"]
    assert "999" in second[0]["text"]
    assert any(entry.conversation_id == conversation for entry in waiting(assistant.database_url))


def test_the_page_is_served_with_safe_headers(web_url):
    import httpx

    page = httpx.get(web_url + "/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "Quick exit" in page.text and "0800 1111" in page.text


def test_a_forged_conversation_id_gets_a_new_conversation(web_url):
    async def talk():
        async with ChildPage(web_url, conversation="../../etc/passwd") as page:
            return page.conversation

    assert run(talk()) != "../../etc/passwd"

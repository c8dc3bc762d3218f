"""The live handoff over the console's WebSocket: sign-in, the queue, claim, reply, end (on PostgreSQL and across two
web app instances: test_web_instances.py)."""

import asyncio
import json
import re

import httpx
import pytest
import sqlalchemy as sa
import websockets
import websockets.exceptions

from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.web.console.socket import SIGN_IN_FIRST
from tests.client import ChildPage, Console, csrf_of, ws_url
from tests.e2e.conftest import COUNSELLOR_PASSWORD, add_user, web_app_alone


def run(coroutine):
    return asyncio.run(coroutine)


def signed_in(web_url: str, *logins: str) -> list[Console]:
    """A console for each account, signed in (not yet connected)."""
    consoles = [Console(web_url, login) for login in logins]
    for console in consoles:
        assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
    return consoles


def test_a_wrong_password_or_a_forged_form_is_refused(web_url, counsellor_name):
    console = Console(web_url, counsellor_name)
    assert console.sign_in("not the password at all").status_code == 401
    forged = console.http.post("/login", data={"name": counsellor_name, "password": "x", "csrf": "forged"})
    assert forged.status_code == 403


def test_a_console_socket_from_another_site_is_refused(web_url, counsellor_name):
    console = Console(web_url, counsellor_name)
    assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
    cookie = "; ".join(f"{k}={v}" for k, v in console.http.cookies.items())

    async def connect_from_elsewhere():
        async with websockets.connect(
            ws_url(web_url, "/ws/console"), origin="https://evil.example", extra_headers={"Cookie": cookie}
        ) as socket:
            await socket.recv()

    with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
        run(connect_from_elsewhere())
    assert refused.value.status_code == 403


def test_signing_out_ends_the_sign_in_for_every_copy_of_the_cookie(web_url, counsellor_name):
    console = Console(web_url, counsellor_name)
    assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
    copy = httpx.Client(base_url=web_url, follow_redirects=False, cookies=dict(console.http.cookies))
    assert copy.get("/console").status_code == 200

    csrf = csrf_of(console.http.get("/console"))
    assert console.http.post("/logout", data={"csrf": csrf}).status_code == 303
    response = copy.get("/console")
    assert (response.status_code, response.headers.get("location")) == (303, "/login")


def test_an_open_console_closes_soon_after_its_account_is_disabled(assistant, web_url, counsellor_name):
    async def disabled_while_open():
        console = Console(web_url, counsellor_name)
        console.sign_in(COUNSELLOR_PASSWORD)
        async with console:
            await console.next_event(lambda e: e["type"] == "queue")
            engine = make_engine(assistant.database_url)
            try:
                with session_scope(engine) as session:
                    users.disable(session, users.find_user(session, counsellor_name).id)
            finally:
                engine.dispose()
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await console.next_event(lambda e: False, timeout=15)  # the console rechecks every second here
            return closed.value.code

    assert run(disabled_while_open()) == SIGN_IN_FIRST


async def handoff(web_url: str, counsellor_name: str, console_url: str | None = None) -> dict:
    """A child at risk, seen live by a signed-in counsellor, who takes the chat, replies, and hands back.

    With `console_url`, the counsellor is on another web app instance than the child.
    """
    console = Console(console_url or web_url, counsellor_name)
    assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
    seen: dict[str, object] = {}
    async with console:
        await console.next_event(lambda e: e["type"] == "queue")
        async with ChildPage(web_url) as child:
            started = asyncio.get_running_loop().time()
            await child.send("i took a load of pills")
            assert child.conversation is not None  # the welcome named it
            waiting = await console.waiting_entry(child.conversation, timeout=5)
            seen["queue_seconds"] = asyncio.get_running_loop().time() - started
            seen["waiting"] = waiting
            seen["child_before_claim"] = await child.bot_messages_until_quiet()

            await console.send(type="claim", handoff=waiting["handoff_id"])
            seen["claimed"] = await console.next_event(lambda e: e["type"] in ("claimed", "taken"))
            await console.send(type="watch", conversation=child.conversation)
            seen["transcript"] = await console.next_event(lambda e: e["type"] == "transcript")
            seen["joined"] = await child.next_event(lambda e: e["type"] == "message" and e["speaker"] == "system")

            await console.send(
                type="reply", conversation=child.conversation, id="r1", text="Hi, I'm Sam. Are you safe right now?"
            )
            seen["counsellor_said"] = await child.next_event(
                lambda e: e["type"] == "message" and e["speaker"] == "counsellor"
            )

            await child.send("no i feel sick")
            seen["console_heard"] = await console.next_event(
                lambda e: e["type"] == "message" and e["speaker"] == "child" and e["text"] == "no i feel sick"
            )
            seen["bot_while_held"] = [m for m in await child.bot_messages_until_quiet(quiet=3) if m["speaker"] == "bot"]

            await console.send(type="end", conversation=child.conversation)
            seen["left"] = await child.next_event(lambda e: e["type"] == "message" and e["speaker"] == "system")
            await child.send("thanks")
            seen["bot_after"] = await child.bot_messages_until_quiet()
    return seen


def check_handoff(seen: dict) -> None:
    assert seen["queue_seconds"] < 5
    assert seen["waiting"]["risk_level"] == "imminent" and seen["waiting"]["evidence"]
    assert "999" in seen["child_before_claim"][0]["text"]  # the emergency number came first
    assert any("coming to talk with you" in m["text"] for m in seen["child_before_claim"])
    assert seen["claimed"]["type"] == "claimed"
    assert [m["speaker"] for m in seen["transcript"]["messages"]][0] == "child"
    assert "real person" in seen["joined"]["text"]
    assert seen["counsellor_said"]["text"] == "Hi, I'm Sam. Are you safe right now?"
    assert seen["bot_while_held"] == []  # while a person holds the chat, the bot is quiet
    assert "bot again" in seen["left"]["text"]
    assert seen["bot_after"] and seen["bot_after"][0]["speaker"] == "bot"


def test_live_handoff_from_risk_to_counsellor_and_back(web_url, counsellor_name, record_summary):
    seen = run(handoff(web_url, counsellor_name))
    check_handoff(seen)
    record_summary(f"risk message to counsellor queue (one run, SQLite): {seen['queue_seconds'] * 1000:.0f} ms")


def test_two_counsellors_cannot_take_the_same_child(assistant, web_url):
    first, second = add_user(assistant.database_url), add_user(assistant.database_url)

    async def race():
        one, two = signed_in(web_url, first, second)
        async with one, two, ChildPage(web_url) as child:
            await child.send_event({"type": "human"})
            handoff_id = (await one.waiting_entry(child.conversation))["handoff_id"]
            await asyncio.gather(one.send(type="claim", handoff=handoff_id), two.send(type="claim", handoff=handoff_id))
            results = await asyncio.gather(
                one.next_event(lambda e: e["type"] in ("claimed", "taken")),
                two.next_event(lambda e: e["type"] in ("claimed", "taken")),
            )
            return sorted(result["type"] for result in results)

    assert run(race()) == ["claimed", "taken"]


def test_asking_the_bot_for_a_person_queues_the_child(web_url, counsellor_name):
    async def ask():
        console = Console(web_url, counsellor_name)
        console.sign_in(COUNSELLOR_PASSWORD)
        async with console, ChildPage(web_url) as child:
            await child.send("can i talk to a real person")
            replies = await child.bot_messages_until_quiet()
            queued = await console.waiting_entry(child.conversation)
            return replies, queued

    replies, queued = run(ask())
    assert queued["reason"] == "child_asked"
    texts = " ".join(reply["text"] for reply in replies)
    assert "coming to talk with you" in texts
    assert "Childline counsellor" not in texts  # the bot's helpline offer gives way to the live handoff


def test_outside_counsellor_hours_the_child_gets_the_numbers_and_when_the_team_is_back(assistant, tmp_path):
    closed_now = "03:00-03:01"  # a minute a day: closed whenever this test runs, but for that minute
    with web_app_alone(
        8108,
        assistant.database_url,
        assistant.rasa_url,
        tmp_path,
        COUNSELLOR_HOURS=closed_now,
        COUNSELLOR_TIMEZONE="UTC",
    ) as url:

        async def ask():
            async with ChildPage(url) as child:
                await child.send_event({"type": "human"})
                return await child.bot_messages_until_quiet()

        replies = run(ask())
    texts = [reply["text"] for reply in replies]
    assert any("back at 3am" in text for text in texts), texts
    assert "999" in texts[-1] and "0800 1111" in texts[-1]


def _account_id(database_url: str, name: str, disable: bool = False) -> int:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            account = users.find_user(session, name)
            assert account is not None, name
            if disable:
                users.disable(session, account.id)
            return account.id
    finally:
        engine.dispose()


def _audit_of(database_url: str, action: str) -> list:
    """(target, who, detail) of every audit entry of that action."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT target, user_name, detail FROM audit_log WHERE action = :a"), {"a": action}
            ).all()
    finally:
        engine.dispose()


async def _claimed_at_risk(console: Console, child: ChildPage) -> None:
    """The child sends a risk message and the counsellor claims them from the queue."""
    await child.send("i took a load of pills")
    assert child.conversation is not None  # the welcome named it
    waiting = await console.waiting_entry(child.conversation)
    await console.send(type="claim", handoff=waiting["handoff_id"])


def test_notes_transfer_and_what_a_supervisor_sees(assistant, web_url):
    first, second = add_user(assistant.database_url), add_user(assistant.database_url)
    supervisor = add_user(assistant.database_url, role="supervisor")
    disabled = _account_id(assistant.database_url, add_user(assistant.database_url), disable=True)
    signed_out = _account_id(assistant.database_url, add_user(assistant.database_url))

    async def work():
        one, two, boss = signed_in(web_url, first, second, supervisor)
        async with one, two, boss, ChildPage(web_url) as child:
            await child.send_event({"type": "human"})
            handoff_id = (await one.waiting_entry(child.conversation))["handoff_id"]
            await one.send(type="claim", handoff=handoff_id)
            await one.next_event(lambda e: e["type"] == "claimed")
            await one.send(type="watch", conversation=child.conversation)
            await one.send(type="note", conversation=child.conversation, text="asked for a person; calm")
            note = await one.next_event(lambda e: e["type"] == "note")
            queue = next(e for e in reversed(one.events) if e["type"] == "queue")
            me_two = next(c["id"] for c in queue["counsellors"] if c["name"] == second)
            refusals = []
            for nobody in (disabled, signed_out, 999_999):  # never to an account that cannot take the child
                await one.send(type="transfer", conversation=child.conversation, to=nobody)
                refusals.append(await one.next_event(lambda e: e["type"] == "error"))
            await one.send(type="transfer", conversation=child.conversation, to=me_two)
            passed = await one.next_event(lambda e: e["type"] == "note" and e["text"].startswith("Passed to"))
            seen_by_boss = await boss.next_event(
                lambda e: (
                    e["type"] == "queue"
                    and any(
                        h["conversation_id"] == child.conversation and h["counsellor_name"] == second for h in e["live"]
                    )
                )
            )
            await two.send(type="reply", conversation=child.conversation, id="t1", text="Hi, I'm taking over.")
            reply = await child.next_event(lambda e: e["type"] == "message" and e["speaker"] == "counsellor")
            return note, refusals, passed, seen_by_boss, reply, child.texts()

    note, refusals, passed, seen_by_boss, reply, child_texts = run(work())
    assert note["text"] == "asked for a person; calm"
    assert "asked for a person; calm" not in " ".join(child_texts)  # private: never sent to the child
    assert len(refusals) == 3
    assert passed["text"] == f"Passed to {second}."
    assert "Another person from our team is taking over." in " ".join(child_texts)
    assert second not in " ".join(child_texts) and "Passed to" not in " ".join(child_texts)
    assert reply["text"] == "Hi, I'm taking over." and "counsellor" not in reply  # no sign-in name to the child
    assert any(second in detail for _target, _who, detail in _audit_of(assistant.database_url, "handoff.transfer"))


def test_a_counsellor_picks_a_child_chatting_with_the_bot_and_typing_shows_both_ways(web_url, counsellor_name):
    async def work():
        console = Console(web_url, counsellor_name)
        console.sign_in(COUNSELLOR_PASSWORD)
        async with console, ChildPage(web_url) as child:
            await child.send("hi")
            await child.bot_messages_until_quiet()
            await console.send(type="pick", conversation=child.conversation)
            await console.next_event(lambda e: e["type"] == "claimed")
            await console.send(type="watch", conversation=child.conversation)
            joined = await child.next_event(lambda e: e["type"] == "message" and e["speaker"] == "system")
            await console.send(type="typing", conversation=child.conversation)
            counsellor_typing = await child.next_event(lambda e: e["type"] == "typing")
            await child.send_event({"type": "typing"})
            child_typing = await console.next_event(lambda e: e["type"] == "typing")
            return joined, counsellor_typing, child_typing, child.conversation

    joined, counsellor_typing, child_typing, conversation = run(work())
    assert "real person" in joined["text"]
    assert counsellor_typing["speaker"] == "counsellor"
    assert child_typing == {"type": "typing", "speaker": "child", "conversation": conversation}


def test_the_bot_keeps_helping_while_the_child_waits(web_url, counsellor_name):
    async def work():
        console = Console(web_url, counsellor_name)
        console.sign_in(COUNSELLOR_PASSWORD)
        async with console, ChildPage(web_url) as child:
            await child.send_event({"type": "human"})
            told = await child.bot_messages_until_quiet()
            await child.send("should i pay him")
            return told, await child.bot_messages_until_quiet()

    told, answer = run(work())
    assert any("coming to talk with you" in m["text"] for m in told)
    assert any(m["text"].startswith("People before you in the line:") for m in told)
    assert answer and all(m["speaker"] == "bot" for m in answer)
    assert any("pay" in m["text"].lower() for m in answer)


def test_a_counsellor_cannot_reply_to_or_end_a_chat_someone_else_holds(assistant, web_url):
    holder, other = add_user(assistant.database_url), add_user(assistant.database_url)

    async def work():
        one, two = signed_in(web_url, holder, other)
        async with one, two, ChildPage(web_url) as child:
            await child.send("hi")
            await child.bot_messages_until_quiet()
            await one.send(type="pick", conversation=child.conversation)
            await one.next_event(lambda e: e["type"] == "claimed")
            await two.send(type="reply", conversation=child.conversation, id="x1", text="not mine to say")
            refused_reply = await two.next_event(lambda e: e["type"] == "error")
            await two.send(type="end", conversation=child.conversation)
            refused_end = await two.next_event(lambda e: e["type"] == "error")
            await two.send(type="pick", conversation=child.conversation)
            refused_pick = await two.next_event(lambda e: e["type"] in ("error", "claimed"))
            return refused_reply, refused_end, refused_pick, child.texts("counsellor")

    refused_reply, refused_end, refused_pick, said_to_child = run(work())
    assert "another counsellor holds" in refused_reply["text"]
    assert refused_end["type"] == "error" and refused_pick["type"] == "error"
    assert said_to_child == []


def test_after_a_counsellor_ends_the_chat_the_bot_carries_on_helping(web_url, counsellor_name):
    async def scenario():
        console = Console(web_url, counsellor_name)
        assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
        async with console:
            await console.next_event(lambda e: e["type"] == "queue")
            async with ChildPage(web_url) as child:
                await _claimed_at_risk(console, child)
                await console.next_event(lambda e: e["type"] in ("claimed", "taken"))
                await child.send("im scared")
                await console.send(type="end", conversation=child.conversation)
                await child.next_event(lambda e: e["type"] == "message" and "bot again" in e["text"])
                answers = {}
                for text in ("im scared", "what do i do now", "ok thanks", "what now"):
                    await child.send(text)
                    answers[text] = [m["text"] for m in await child.bot_messages_until_quiet() if m["speaker"] == "bot"]
                return answers

    answers = run(scenario())
    for text, replies in answers.items():
        assert replies, f"no answer to {text!r}"
        assert not any("Take care" in reply for reply in replies), (text, replies)  # never the goodbye
    assert any("not your fault" in reply for reply in answers["what do i do now"]), answers


def test_asking_for_a_person_again_while_waiting_says_so_once_and_no_staff_note_reaches_the_child(
    web_url, counsellor_name
):
    async def ask_twice():
        console = Console(web_url, counsellor_name)
        assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
        async with console:
            await console.next_event(lambda e: e["type"] == "queue")
            async with ChildPage(web_url) as child:
                await child.send("hi")
                await child.bot_messages_until_quiet()
                await child.send_event({"type": "human"})
                first = await child.bot_messages_until_quiet()
                await child.send_event({"type": "human"})
                second = await child.bot_messages_until_quiet()
                return first, second

    first, second = run(ask_twice())
    assert any("coming to talk with you" in m["text"] for m in first), first
    assert len(second) == 1 and re.fullmatch(  # one message, not the three of the first time
        r"You are in the line for a person already\. People before you in the line: \d+\. I am still here with you\.",
        second[0]["text"],
    ), second
    assert not any("The child asked" in m["text"] for m in first + second)


@pytest.mark.parametrize(
    "display_name, joined",
    [
        ("Sam", "Sam from our team has joined. They are a real person."),
        ("", "A person from our team has joined. They are a real person."),
    ],
)
def test_the_child_sees_the_counsellors_chosen_name_never_the_sign_in_name(assistant, web_url, display_name, joined):
    login = add_user(assistant.database_url, display_name=display_name)

    async def claimed():
        console = Console(web_url, login)
        assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
        async with console:
            await console.next_event(lambda e: e["type"] == "queue")
            async with ChildPage(web_url) as child:
                await _claimed_at_risk(console, child)
                joined_message = await child.next_event(lambda e: e["type"] == "message" and "has joined" in e["text"])
                await console.send(type="reply", conversation=child.conversation, id="n1", text="Hi, are you safe?")
                await child.next_event(lambda e: e["type"] == "message" and e["speaker"] == "counsellor")
            async with ChildPage(web_url, conversation=child.conversation) as again:  # the page reloaded
                await again.next_event(lambda e: e["type"] == "helplines")
                return joined_message, child.events + again.events

    message, everything_the_child_got = run(claimed())
    assert message["text"].startswith(joined)
    assert login not in json.dumps(everything_the_child_got)


def test_who_may_read_a_held_conversation_is_decided_on_the_server_and_every_read_is_audited(assistant, web_url):
    holder, other = add_user(assistant.database_url), add_user(assistant.database_url)
    supervisor = add_user(assistant.database_url, role="supervisor")

    async def work():
        one, two, boss = signed_in(web_url, holder, other, supervisor)
        async with one, two, boss, ChildPage(web_url) as child:
            await child.send("hi")
            await child.bot_messages_until_quiet()
            await one.send(type="pick", conversation=child.conversation)
            await one.next_event(lambda e: e["type"] == "claimed")
            await child.send("he has my pics")
            page = {
                name: console.http.get(f"/console/conversations/{child.conversation}").status_code
                for name, console in (("holder", one), ("other", two), ("supervisor", boss))
            }
            refused = {}
            for action in ("watch", "note"):
                await two.send(type=action, conversation=child.conversation, text="peeking")
                refused[action] = await two.next_event(lambda e: e["type"] in ("error", "transcript", "note"))
            await boss.send(type="watch", conversation=child.conversation)
            seen_by_boss = await boss.next_event(lambda e: e["type"] == "transcript")
            await one.send(type="watch", conversation=child.conversation)
            await one.next_event(lambda e: e["type"] == "transcript")
            return child.conversation, page, refused, seen_by_boss, two.events

    conversation, page, refused, seen_by_boss, seen_by_other = run(work())
    assert page == {"holder": 200, "other": 403, "supervisor": 200}
    assert refused["watch"]["type"] == "error" and refused["note"]["type"] == "error"
    assert not any(
        event.get("conversation") == conversation and event["type"] in ("transcript", "message")
        for event in seen_by_other
    )
    assert "he has my pics" in [message["text"] for message in seen_by_boss["messages"]]
    readers = {
        who
        for target, who, _detail in _audit_of(assistant.database_url, "transcript.read")
        if target == f"conversation:{conversation}"
    }
    assert any(holder in reader for reader in readers) and any(supervisor in reader for reader in readers)
    assert not any(other in reader for reader in readers)

"""PostgreSQL stopped for 30 seconds under the web app: children are told plainly, given the numbers, and every
message they sent is stored once, in order, and answered when the database is back."""

import asyncio
import time

from bot.store import handoffs, transcript
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade
from bot.web.core.messages import render
from tests.client import ChildPage
from tests.e2e.conftest import web_app_alone
from tests.postgres_server import stoppable_postgres_server

OUTAGE_SECONDS = 30
DURING_OUTAGE = ["are you there", "i want to kill myself", "he says he will post my pics"]


def stored_child_texts(database_url: str, conversation_id: str):
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return (
                [m.text for m in transcript.messages_after(session, conversation_id, 0) if m.speaker == "child"],
                handoffs.active(session, conversation_id),
            )
    finally:
        engine.dispose()


def notices(page: ChildPage):
    return [e["text"] for e in page.events if e["type"] == "notice"]


def test_messages_sent_while_postgresql_is_stopped_are_kept_and_answered_when_it_returns(assistant, tmp_path):
    held_notice = render("web_message_held")

    async def run(url, postgres):
        async with ChildPage(url) as talking, ChildPage(url) as quiet:
            await talking.say("hi")

            postgres.stop()
            stopped = time.monotonic()
            ids = [await talking.send(text) for text in DURING_OUTAGE]
            for _ in DURING_OUTAGE:
                await talking.next_event(lambda e: e["type"] == "notice" and e["text"] == held_notice)
            assert not [e for e in talking.events if e["type"] == "ack" and e["id"] in ids]

            # A child who opens the chat during the outage can still write, and is told the same.
            async with ChildPage(url) as newcomer:
                newcomer_id = await newcomer.send("can u help me")
                await newcomer.next_event(lambda e: e["type"] == "notice" and e["text"] == held_notice)
                await quiet.send("hello")
                await quiet.next_event(lambda e: e["type"] == "notice" and e["text"] == held_notice)
                await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
                postgres.start()

                for client_id in ids:
                    await talking.next_event(
                        lambda e, wanted=client_id: e["type"] == "ack" and e["id"] == wanted, timeout=60
                    )
                await newcomer.next_event(lambda e: e["type"] == "ack" and e["id"] == newcomer_id, timeout=60)
                await talking.bot_messages_until_quiet(quiet=3)
                return talking, [newcomer.conversation, quiet.conversation]

    with stoppable_postgres_server() as postgres:
        database_url = postgres.create_database()
        upgrade(database_url)
        with web_app_alone(8115, database_url, assistant.rasa_url, tmp_path) as url:
            talking, (newcomer, quiet) = asyncio.run(run(url, postgres))

        # Plainly told, with the numbers for an emergency, while nothing could be stored.
        told = notices(talking)
        assert told.count(held_notice) == len(DURING_OUTAGE)
        assert any("If you are in danger now, call" in text for text in told)

        texts, handoff = stored_child_texts(database_url, talking.conversation)
        assert texts == ["hi", *DURING_OUTAGE]  # each once, in the order sent
        assert stored_child_texts(database_url, newcomer)[0] == ["can u help me"]
        assert stored_child_texts(database_url, quiet)[0] == ["hello"]
        # The risk message was handled as any other when it could be: the child is in the counsellors' queue.
        assert handoff is not None and handoff.reason == "risk" and handoff.risk_level in ("high", "imminent")
        # And answered by the bot once the database was back.
        bot_replies_after_outage = [e for e in talking.events if e["type"] == "message" and e["speaker"] == "bot"]
        assert len(bot_replies_after_outage) > 1

"""Two web app instances on one database and one Redis: a child on one, a counsellor on the other.

The instances in front of the session's Rasa, with PostgreSQL, as in production.
"""

import asyncio
from contextlib import ExitStack

from bot.store.migrate import upgrade
from tests.client import ChildPage, Console
from tests.e2e.conftest import COUNSELLOR_PASSWORD, add_user, web_apps_alone
from tests.e2e.test_web_console import check_handoff, handoff
from tests.redis_server import redis_server


def two_instances(stack: ExitStack, database_url: str, rasa_url: str, redis_url: str, tmp_path):
    return stack.enter_context(web_apps_alone((8113, 8114), database_url, rasa_url, tmp_path, REDIS_URL=redis_url))


def test_a_counsellor_on_one_instance_takes_a_child_on_the_other(assistant, postgres_database_url, tmp_path):
    upgrade(postgres_database_url)
    name = add_user(postgres_database_url)
    with redis_server() as redis, ExitStack() as stack:
        child_side, console_side = two_instances(stack, postgres_database_url, assistant.rasa_url, redis.url, tmp_path)
        check_handoff(asyncio.run(handoff(child_side, name, console_url=console_side)))


def test_a_chat_taken_on_one_instance_leaves_the_open_console_of_another_counsellor_on_the_other(
    assistant, postgres_database_url, tmp_path
):
    upgrade(postgres_database_url)
    taker, onlooker = add_user(postgres_database_url), add_user(postgres_database_url)
    with redis_server() as redis, ExitStack() as stack:
        first, second = two_instances(stack, postgres_database_url, assistant.rasa_url, redis.url, tmp_path)

        async def work():
            takes, looks = Console(first, taker), Console(second, onlooker)
            for console in (takes, looks):
                assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
            async with takes, looks, ChildPage(first) as child:
                await child.send("hi")
                await child.bot_messages_until_quiet()
                await looks.send(type="watch", conversation=child.conversation)  # a chat with the bot: allowed
                await looks.next_event(lambda e: e["type"] == "transcript")
                await child.send("can someone help me")
                await looks.next_event(lambda e: e["type"] == "message" and e["text"] == "can someone help me")
                await takes.send(type="pick", conversation=child.conversation)
                await takes.next_event(lambda e: e["type"] == "claimed")
                await takes.send(type="watch", conversation=child.conversation)
                await takes.next_event(lambda e: e["type"] == "transcript")
                await child.send("he has my address")
                await takes.next_event(lambda e: e["type"] == "message" and e["text"] == "he has my address")
                try:
                    return await looks.next_event(
                        lambda e: e["type"] == "message" and e.get("text") == "he has my address", timeout=3
                    )
                except asyncio.TimeoutError:
                    return None

        assert asyncio.run(work()) is None


def test_with_redis_stopped_each_instance_carries_on_and_shares_again_when_it_returns(
    assistant, postgres_database_url, tmp_path
):
    upgrade(postgres_database_url)
    name = add_user(postgres_database_url)
    with redis_server() as redis, ExitStack() as stack:
        child_side, console_side = two_instances(stack, postgres_database_url, assistant.rasa_url, redis.url, tmp_path)

        async def chat_through_an_outage():
            async with ChildPage(child_side) as child:
                redis.stop()
                await child.send("hi")
                alone = await child.bot_messages_until_quiet()
                redis.start()
                await asyncio.sleep(3)  # both instances subscribe again
                console = Console(console_side, name)
                console.sign_in(COUNSELLOR_PASSWORD)
                async with console:
                    await child.send("i took a load of pills")
                    waiting = await console.waiting_entry(child.conversation, timeout=10)
                return alone, waiting

        alone, waiting = asyncio.run(chat_through_an_outage())
    assert alone and alone[0]["speaker"] == "bot"  # the child's own instance still answered
    assert waiting["risk_level"] == "imminent"  # seen on the other instance once Redis is back

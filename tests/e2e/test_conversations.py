"""Real messages to the running assistant's REST channel, checked as a child would read the replies."""

import json
import socket
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.content.facts import verified_contacts
from bot.content.lint import reading_grade
from bot.store.db import make_engine
from bot.store.models import Conversation

FACTS = verified_contacts()


def test_greeting_says_it_is_a_bot_and_offers_a_person(chat):
    reply = chat.reply("hi")
    assert "chatbot, not a person" in reply
    assert "real person" in reply


def test_money_demand_gets_dont_pay_and_not_your_fault(chat):
    reply = chat.reply("he wants £200 or he posts my pics")
    assert "not your fault" in reply
    assert "Do not pay" in reply


def test_reply_buttons_offer_next_steps(chat):
    replies = chat.say("someone on insta is threatening to post my nudes")
    payloads = [button["payload"] for reply in replies for button in reply.get("buttons", [])]
    assert "/ask_how_to_report" in payloads
    assert "/request_human" in payloads


def test_uk_is_the_default_for_reporting(chat):
    reply = chat.reply("how do i report him")
    assert FACTS["uk_ceop_url"] in reply
    assert FACTS["uk_999_phone"] in reply


def test_usa_then_report_gives_cybertipline_not_ceop(chat):
    chat.say("i live in the usa")
    reply = chat.reply("how do i report")
    assert FACTS["us_cybertipline_url"] in reply
    assert "CEOP" not in reply and FACTS["uk_ceop_url"] not in reply


@pytest.mark.parametrize(
    "where, helpline, emergency",
    [
        ("im in england", "uk_childline_phone", "uk_999_phone"),
        ("i live in america", "us_988_phone", "us_911_phone"),
        ("im from ireland", "ie_childline_phone", "ie_112_999_phone"),
        ("i live in canada", "ca_kids_help_phone_phone", "ca_911_phone"),
        ("im in australia", "au_kids_helpline_phone", "au_000_phone"),
    ],
)
def test_helplines_and_emergency_number_follow_the_country(chat, where, helpline, emergency):
    assert FACTS[emergency] in chat.reply(where)
    assert FACTS[helpline] in chat.reply("is there a number i can call")


def test_another_country_gets_routes_that_work_anywhere(chat):
    chat.say("i live in germany")
    assert FACTS["intl_take_it_down_url"] in chat.reply("how do i get my pics taken down")
    assert FACTS["intl_chi_url"] in chat.reply("who can i call")


def test_child_gets_the_simplest_words(chat):
    chat.say('/tell_age{"age": "10"}')
    for text in chat.texts("someone is threatening me with my pics"):
        assert reading_grade(text) <= 4, text


def test_adult_gets_adult_routes_not_ceop(chat):
    chat.say("im 19")
    reply = chat.reply("how do i report it")
    assert FACTS["uk_101_phone"] in reply
    assert FACTS["uk_ceop_url"] not in reply
    removal = chat.reply("how do i get the pics removed")
    assert FACTS["intl_stopncii_url"] in removal


def test_asking_for_a_person_is_never_a_dead_end(chat):
    reply = chat.reply("can i talk to a real person")
    assert FACTS["uk_childline_phone"] in reply
    assert FACTS["uk_childline_url"] in reply


def test_immediate_danger_puts_the_emergency_number_first(chat):
    chat.say("i live in australia")
    replies = chat.texts("he says hes outside my house and wants to meet")
    assert FACTS["au_000_phone"] in replies[0]
    assert "Do not go to meet him" in "\n".join(replies)


def test_already_paid_is_told_to_stop_and_that_it_is_not_their_fault(chat):
    reply = chat.reply("i already paid him 100 bucks and he still wants more")
    assert "not your fault" in reply
    assert "do not pay any more" in reply


def test_evidence_is_kept_and_the_image_never_saved(chat):
    reply = chat.reply("should i delete the chat")
    assert "Don't delete" in reply
    assert "Never screenshot, save or send on the nude pic" in reply


def test_removal_never_asks_for_the_image(chat):
    reply = chat.reply("can u get my pics off the internet")
    assert FACTS["uk_report_remove_url"] in reply
    assert "Never send the pic to anyone" in reply


def test_not_sure_what_was_meant_still_gives_the_safety_points(chat):
    reply = chat.reply("/nlu_fallback")
    assert "not your fault" in reply
    assert FACTS["uk_childline_phone"] in reply
    assert FACTS["uk_999_phone"] in reply


@pytest.mark.parametrize(
    "message",
    [
        "<script>alert('hi')</script>",
        "hola necesito ayuda",
        "a" * 5000,
        "\x00\x01\x02 \ufffd\ufffd",
        "🙈🙈🙈",
    ],
    ids=["html", "spanish", "huge", "binary", "emoji"],
)
def test_odd_input_gets_a_kind_answer(chat, message):
    replies = chat.texts(message)
    assert replies and all(text.strip() for text in replies)
    assert not any("<script>" in text for text in replies)


def test_conversation_is_stored_with_its_region_and_a_retention_limit(assistant, chat):
    chat.say("i live in canada")
    engine = make_engine(assistant.database_url)
    with engine.connect() as connection:
        conversation = connection.execute(sa.select(Conversation).where(Conversation.sender_id == chat.sender)).one()
        events = connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :sender"), {"sender": chat.sender}
        ).scalar()
    assert conversation.country == "ca"
    assert conversation.delete_after > datetime.now(timezone.utc) + timedelta(days=29)
    assert events > 0


def test_http_api_needs_the_token(assistant, chat):
    chat.say("hi")
    tracker_url = f"{assistant.rasa_url}/conversations/{chat.sender}/tracker"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(tracker_url, timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{tracker_url}?token={assistant.token}", timeout=10) as response:
        assert json.load(response)["sender_id"] == chat.sender


def _outward_address():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outward interface
        return probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()


@pytest.mark.parametrize("port_of", [lambda a: a.rasa_url, lambda a: a.action_url], ids=["rasa", "actions"])
def test_servers_listen_on_loopback_only(assistant, port_of):
    address = _outward_address()
    if address is None or address.startswith("127."):
        pytest.skip("this machine has no address besides loopback")
    port = int(port_of(assistant).rsplit(":", 1)[1])
    with pytest.raises(OSError):
        socket.create_connection((address, port), timeout=2).close()

"""Families of wording the rules never knew, through the web app: the risk answer, the region's numbers, a person.

Before the learned reader (bot/risk/model.py) these got "Sorry, I'm not sure I understood" with no emergency
number and no handoff. Each family is tried in two regions, in English and in Spanish. The messages are our own,
in no data/risk file.
"""

import asyncio

import pytest

from bot.content.facts import verified_contacts
from bot.store import handoffs, transcript
from bot.store.db import make_engine, session_scope
from tests.client import ChildPage

FACTS = verified_contacts()
# The least each family must be read as: more urgent is never wrong here.
AT_LEAST = {"high": ("high", "imminent"), "imminent": ("imminent",)}
REGIONS = {"uk": (None, "uk_999_phone"), "us": ("i live in the usa", "us_911_phone")}
FAMILIES = {
    ("poisoning", "en"): ("i swallowed washing up liquid", "imminent"),
    ("poisoning", "es"): ("me tome el cloro de la cocina", "imminent"),
    ("passive_wish", "en"): ("theres nothing left to live for", "high"),
    ("passive_wish", "es"): ("ya no tengo por que vivir", "high"),
    ("self_harm_statement", "en"): ("i burn myself", "high"),
    ("self_harm_statement", "es"): ("me corto los brazos", "high"),
}


def _stored_and_queued(database_url: str, conversation: str):
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            child = [m for m in transcript.messages_after(session, conversation) if m.speaker == "child"]
            queued = [e for e in handoffs.queue(session) if e.conversation_id == conversation]
            return child, queued
    finally:
        engine.dispose()


async def _talk(web_url: str, messages):
    async with ChildPage(web_url) as page:
        replies = []
        for message in messages:
            await page.send(message)
            replies = await page.bot_messages_until_quiet()
        return page.conversation, replies


# Known misses, kept in sight until the corpus teaches them (docs/risk-evaluation.md): strict, so a fix shows.
# (Spanish poisoning with a household product was one until w37-w39 and the thresholds of 2026-12-07.)
KNOWN_MISSES: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(
    "family, language",
    [
        pytest.param(*key, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[key]))
        if key in KNOWN_MISSES
        else key
        for key in FAMILIES
    ],
)
def test_a_family_the_rules_missed_gets_the_risk_answer_and_a_person(assistant, web_url, region, family, language):
    where, emergency = REGIONS[region]
    text, level = FAMILIES[family, language]
    conversation, replies = asyncio.run(_talk(web_url, [where, text] if where else [text]))
    said = "\n".join(reply["text"] for reply in replies)
    assert "not sure I understood" not in said, said
    assert FACTS[emergency] in said, said
    child, queued = _stored_and_queued(assistant.database_url, conversation)
    assert child[-1].risk_level in AT_LEAST[level], (text, child[-1].risk_level)
    assert queued and queued[0].reason == "risk" and queued[0].risk_level == child[-1].risk_level


@pytest.mark.parametrize("text", ["🔪💊", "bleach??", "the rope", "tabletki"])
def test_a_message_nobody_understood_with_a_crisis_cue_gets_a_safety_check_in(chat, text):
    replies = chat.say(text)
    said = "\n".join(reply.get("text", "") for reply in replies)
    assert "not sure I understood" not in said or "check on you" in said, said
    assert FACTS["uk_999_phone"] in said, said
    assert replies[-1]["text"].endswith("Are you safe right now?")
    assert {b["payload"] for b in replies[-1].get("buttons", [])} == {"/affirm", "/deny"}


def test_a_concern_stays_in_the_counsellors_sight_without_telling_the_child_a_person_is_coming(assistant, web_url):
    conversation, replies = asyncio.run(_talk(web_url, ["i cant cope with any of this"]))
    said = "\n".join(reply["text"] for reply in replies)
    assert "How are you feeling right now?" in said
    assert "No one from our team is online" not in said and "person from our team" not in said.lower()
    child, queued = _stored_and_queued(assistant.database_url, conversation)
    assert child[-1].risk_level == "concern"
    assert queued and queued[0].risk_level == "concern" and queued[0].reason == "risk"

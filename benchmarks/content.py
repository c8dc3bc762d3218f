"""How long a change staff publish takes to reach a child: from the publish to the first reply that holds it."""

import time
import uuid

import httpx

from bot.content import workflow
from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.store.models import ContentVersion

MARKERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
GIVE_UP_SECONDS = 30


def _publish(engine, author_id: int, reviewer_id: int, text: str) -> None:
    with session_scope(engine) as session:
        version_id = workflow.open_change(session, author_id, "response", "utter_dont_pay")
        draft = session.get(ContentVersion, version_id)
        assert draft is not None  # open_change just made it
        variants = workflow.body_of(draft)
        variants[0]["text"] = text
        workflow.save_draft(session, author_id, version_id, variants, "benchmark")
        workflow.submit(session, author_id, version_id)
        workflow.approve(session, reviewer_id, version_id)
    with session_scope(engine) as session:
        workflow.publish(session, reviewer_id, version_id)


def _seconds_until_replied(rasa_url: str, text: str) -> float:
    started = time.monotonic()
    with httpx.Client(base_url=rasa_url, timeout=30) as client:
        while time.monotonic() - started < GIVE_UP_SECONDS:
            replies = client.post(
                "/webhooks/rest/webhook",
                json={"sender": f"bench-{uuid.uuid4().hex[:8]}", "message": "should i pay him"},
            ).json()
            if any(text in reply.get("text", "") for reply in replies):
                return time.monotonic() - started
    raise TimeoutError(f"the published change did not reach a child in {GIVE_UP_SECONDS} s")


def publish_to_child(rasa_url: str, database_url: str, times: int = len(MARKERS)) -> list[float]:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            workflow.import_bundle(session)
            author = users.create_user(session, f"author-{uuid.uuid4().hex[:6]}", "staff", "benchmark password 123")
            reviewer = users.create_user(session, f"review-{uuid.uuid4().hex[:6]}", "staff", "benchmark password 123")
        # Replies still owed from the benchmarks before would count as delay: wait until Rasa is idle.
        _seconds_until_replied(rasa_url, "")
        latencies = []
        for marker in MARKERS[:times]:
            text = f"Do not pay them. Paying does not make it stop. Check {marker}."
            _publish(engine, author.id, reviewer.id, text)
            latencies.append(_seconds_until_replied(rasa_url, text))
        return latencies
    finally:
        engine.dispose()

"""The insights page: exact figures from known rows (SQLite, PostgreSQL), redaction, the NLU export, who sees what."""

import asyncio
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from starlette.middleware.sessions import SessionMiddleware

from bot import settings
from bot.store import transcript, users
from bot.store.db import session_scope
from bot.store.models import Conversation, Handoff
from bot.web.core import auth
from bot.web.insights import period as period_module
from bot.web.insights.fallbacks import FallbackMessage, fallback_messages, nlu_yaml, redact
from bot.web.insights.figures import format_duration, insights, percentile
from bot.web.insights.period import chosen_period, chosen_region, period_ending
from bot.web.insights.routes import router as insights_router
from bot.web.service import ChatService
from tests.store.conftest import engine, tracker_store  # noqa: F401 - fixtures on SQLite and PostgreSQL

# July, so London is an hour ahead of UTC and local days and hours differ from UTC ones.
NOW = datetime(2026, 7, 10, 12, 0, tzinfo=timezone.utc)
UK_1, UK_2, US_1, NOWHERE, OLD = ("Xq7uk1sender", "Lp2uk2sender", "Zr9us1sender", "Kt4unknownsender", "Mw5oldsender")
PASSWORD = "a long test password 1"
TEMPLATES = Jinja2Templates(directory=str(Path(settings.PROJECT_ROOT) / "bot" / "web" / "templates"))


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def london(monkeypatch):
    monkeypatch.setattr(settings, "COUNSELLOR_TIMEZONE", "Europe/London")


def add_conversation(session, sender_id, started_at, country, risk_level):
    session.execute(
        sa.insert(Conversation).values(
            sender_id=sender_id,
            started_at=started_at,
            last_active_at=started_at,
            country=country,
            risk_level=risk_level,
            delete_after=started_at + timedelta(days=365),
        )
    )


def add_handoff(session, sender_id, reason, status, requested_at, claimed_at=None):
    session.execute(
        sa.insert(Handoff).values(
            conversation_id=sender_id, reason=reason, status=status, requested_at=requested_at, claimed_at=claimed_at
        )
    )


def save_turns(store, sender_id, *turns):
    """Children's messages as Rasa stores them: (text, intent, confidence, time)."""
    tracker = DialogueStateTracker(sender_id, slots=[])
    for text, intent, confidence, sent_at in turns:
        tracker.update(
            UserUttered(text, intent={"name": intent, "confidence": confidence}, timestamp=sent_at.timestamp())
        )
    asyncio.run(store.save(tracker))


@pytest.fixture
def known_rows(engine, tracker_store):  # noqa: F811
    with session_scope(engine) as session:
        add_conversation(session, UK_1, at(7, 10, 8, 30), "uk", "high")  # 09:30 in London
        add_conversation(session, UK_2, at(7, 9, 23, 30), "uk", "none")  # 00:30 on 10 July in London
        add_conversation(session, US_1, at(7, 5, 14), "us", "imminent")
        add_conversation(session, NOWHERE, at(7, 8, 10), None, "concern")
        add_conversation(session, OLD, at(5, 1, 10), "uk", "concern")  # within 90 days, not 30
    with session_scope(engine) as session:
        transcript.add_message(session, UK_1, "child", "hi", now=at(7, 10, 8, 31))
        transcript.add_message(session, UK_1, "bot", "Hello", now=at(7, 10, 8, 31))
        transcript.add_message(session, UK_1, "child", "risky", risk_level="high", now=at(7, 10, 8, 34))
        transcript.add_message(session, UK_2, "child", "hello", now=at(7, 9, 23, 31))
        transcript.add_message(session, US_1, "child", "very risky", risk_level="imminent", now=at(7, 5, 14, 1))
        transcript.add_message(session, NOWHERE, "child", "worrying", risk_level="concern", now=at(7, 8, 10, 1))
        transcript.add_message(session, OLD, "child", "old", risk_level="concern", now=at(5, 1, 10, 1))
        add_handoff(session, UK_1, "risk", "ended", at(7, 10, 8, 40), at(7, 10, 8, 41))  # 1 minute
        add_handoff(session, US_1, "risk", "active", at(7, 5, 14, 5), at(7, 5, 14, 8))  # 3 minutes
        add_handoff(session, NOWHERE, "child_asked", "ended", at(7, 8, 10), at(7, 8, 10, 10))  # 10 minutes
        add_handoff(session, UK_2, "child_asked", "waiting", at(7, 9, 23, 40))  # never claimed
        add_handoff(session, OLD, "counsellor_picked", "ended", at(5, 1, 10, 5), at(5, 1, 10, 6))
    save_turns(
        tracker_store,
        UK_1,
        ("hi", "greet", 0.98, at(7, 10, 8, 31)),
        ("blorp zib call 07700 900123", "nlu_fallback", 0.45, at(7, 10, 8, 32)),
        ("/greet", "greet", 1.0, at(7, 10, 8, 33)),
    )
    save_turns(
        tracker_store,
        UK_2,
        ("BLORP  ZIB call 07700 900999", "nlu_fallback", 0.45, at(7, 9, 23, 31)),
        ("whats the weather", "out_of_scope", 0.9, at(7, 9, 23, 32)),
        ("maybe block?", "block", 0.3, at(7, 9, 23, 33)),
    )
    save_turns(
        tracker_store, US_1, ("hi", "greet", 0.99, at(7, 5, 14, 1)), ("very risky", "risk_high", 1.0, at(7, 5, 14, 1))
    )  # Rasa's reading, one level below the web app's
    save_turns(tracker_store, OLD, ("old nonsense", "nlu_fallback", 0.45, at(5, 1, 10, 1)))
    return engine


def figures_of(engine, days=30, region=None):
    with session_scope(engine) as session:
        return insights(session, days, region, now=NOW)


def fallbacks_of(engine, days=30, region=None):
    with session_scope(engine) as session:
        return [(m.text, m.count) for m in fallback_messages(session, days, region, now=NOW)]


# ---------------------------------------------------------------- the figures


def test_conversations_per_day_and_hour_in_london_time(known_rows):
    figures = figures_of(known_rows)
    assert figures.conversations == 4
    per_day = dict(figures.conversations_per_day)
    assert len(per_day) == 30
    assert min(per_day).isoformat() == "2026-06-11" and max(per_day).isoformat() == "2026-07-10"
    assert {day.isoformat(): n for day, n in per_day.items() if n} == {
        "2026-07-10": 2,
        "2026-07-08": 1,
        "2026-07-05": 1,
    }
    assert {hour: n for hour, n in figures.conversations_per_hour if n} == {0: 1, 9: 1, 11: 1, 15: 1}


def test_intents_and_fallbacks_among_childrens_messages(known_rows):
    figures = figures_of(known_rows)
    assert figures.child_messages == 8
    # risk is counted once, under risk (below), never again as an intent
    assert figures.intents == [("greet", 3), ("nlu_fallback", 2), ("block", 1), ("out_of_scope", 1)]
    # 0.3 is below config.yml's FallbackClassifier threshold (0.45)
    assert figures.fallbacks == [
        ("Not understood (nlu_fallback)", 2),
        ("Out of scope (out_of_scope)", 1),
        ("Unsure (confidence below 0.45)", 1),
    ]
    assert figures.fallback_total == 4


def test_risk_levels_of_messages_and_conversations(known_rows):
    figures = figures_of(known_rows)
    assert figures.messages_by_risk == [("None", 2), ("Concern", 1), ("High", 1), ("Imminent", 1)]
    assert figures.conversations_by_risk == [("None", 1), ("Concern", 1), ("High", 1), ("Imminent", 1)]


def test_handoffs_and_waits(known_rows):
    figures = figures_of(known_rows)
    assert figures.handoffs == 4
    assert figures.handoffs_by_reason == [("Risk", 2), ("Child asked", 2), ("Counsellor picked", 0)]
    assert figures.handoffs_by_status == [("Waiting", 1), ("With a counsellor", 1), ("Ended", 2)]
    waits = figures.waits
    assert (waits.claimed, waits.never_claimed, waits.median_seconds, waits.p90_seconds) == (3, 1, 180, 600)
    assert waits.buckets == [
        ("Under 1 minute", 0),
        ("1 to 5 minutes", 2),
        ("5 to 15 minutes", 1),
        ("15 to 60 minutes", 0),
        ("Over an hour", 0),
        ("Never claimed", 1),
    ]


def test_one_region(known_rows):
    figures = figures_of(known_rows, region="uk")
    assert (figures.conversations, figures.child_messages, figures.handoffs) == (2, 6, 2)
    assert (figures.waits.median_seconds, figures.waits.never_claimed) == (60, 1)
    assert figures.messages_by_risk == [("None", 2), ("Concern", 0), ("High", 1), ("Imminent", 0)]
    unknown = figures_of(known_rows, region="unknown")
    assert (unknown.conversations, unknown.child_messages, unknown.handoffs) == (1, 0, 1)


def test_conversations_and_handoffs_per_region_whatever_the_filter(known_rows):
    for region in (None, "us"):
        rows = {row.region: (row.conversations, row.handoffs) for row in figures_of(known_rows, region=region).regions}
        assert rows == {
            "uk": (2, 2),
            "us": (1, 1),
            "ie": (0, 0),
            "ca": (0, 0),
            "au": (0, 0),
            "elsewhere": (0, 0),
            "unknown": (1, 1),
        }
    rows = {row.region: row.conversations for row in figures_of(known_rows, days=90).regions}
    assert rows["uk"] == 3


def test_every_query_is_bound_by_the_period(known_rows):
    figures = figures_of(known_rows, days=7)  # 4 to 10 July in London
    assert (figures.conversations, figures.child_messages, figures.handoffs) == (4, 8, 4)
    figures = figures_of(known_rows, days=90)
    assert (figures.conversations, figures.child_messages, figures.handoffs) == (5, 9, 5)
    assert figures.handoffs_by_reason[2] == ("Counsellor picked", 1)


def test_a_period_starts_at_midnight_in_london():
    period = period_ending(NOW, 7, ZoneInfo("Europe/London"))
    assert period.start == at(7, 3, 23)  # midnight of 4 July, summer time
    assert len(period.local_days()) == 7


def test_an_empty_database_before_rasa_made_its_table(engine):  # noqa: F811
    figures = figures_of(engine)
    assert (figures.conversations, figures.child_messages, figures.handoffs) == (0, 0, 0)
    assert figures.waits.median_seconds is None and figures.intents == []


@pytest.mark.parametrize("value, days", [("7", 7), ("90", 90), ("30", 30), (None, 30), ("365", 30), ("x", 30)])
def test_chosen_period(value, days):
    assert chosen_period(value) == days


@pytest.mark.parametrize(
    "value, region", [("uk", "uk"), ("unknown", "unknown"), ("", None), ("fr", None), (None, None)]
)
def test_chosen_region(value, region):
    assert chosen_region(value) == region


def test_percentile_and_durations():
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.9) is None
    assert [format_duration(s) for s in (0.2, 45, 200, 7500, None)] == [
        "under 1 s",
        "45 s",
        "3 min 20 s",
        "2 h 5 min",
        "none claimed",
    ]


# ---------------------------------------------------------------- what the bot did not understand


@pytest.mark.parametrize(
    "text, redacted",
    [
        ("call me 07700 900123 or +44 (0)20 7946 0018", "call me [removed] or [removed]"),
        ("email kid.name+x@example.co.uk ok", "email [removed] ok"),
        ("he is @bad_guy99 on insta", "he is [removed] on insta"),
        ("go to https://evil.example/x?y=1 now", "go to [removed] now"),
        ("www.example.org and snapchat.com", "[removed] and [removed]"),
        ("add me wa.me/447700900123", "add me [removed]"),
        ("im 13 and he wants £500 by 12/03/2024", "im 13 and he wants £500 by 12/03/2024"),
        ("help.me pls", "help.me pls"),
    ],
)
def test_redact(text, redacted):
    assert redact(text) == redacted


def test_fallback_messages_are_redacted_counted_once_most_recent_first(known_rows):
    assert fallbacks_of(known_rows) == [("blorp zib call [removed]", 2), ("maybe block?", 1), ("whats the weather", 1)]
    assert fallbacks_of(known_rows, region="us") == []
    assert fallbacks_of(known_rows, days=90)[-1] == ("old nonsense", 1)


def test_at_most_so_many_fallback_messages(known_rows):
    with session_scope(known_rows) as session:
        assert len(fallback_messages(session, 30, None, now=NOW, limit=2)) == 2


def test_the_export_is_rasa_nlu_data_that_reads_back():
    messages = [
        FallbackMessage("blorp zib call [removed]", 2),
        FallbackMessage('he said: "pay" # or - else |', 1),
        FallbackMessage("- [x](y) {z}", 1),
    ]
    data = yaml.safe_load(nlu_yaml(messages, 30, "uk"))
    assert data["version"] == "3.1"
    assert [item["intent"] for item in data["nlu"]] == ["review_me"]
    examples = [line[2:] for line in data["nlu"][0]["examples"].splitlines()]
    assert examples == [message.text for message in messages]


def test_a_control_character_cannot_break_the_export(known_rows, tracker_store):  # noqa: F811
    save_turns(tracker_store, "Bn3othersender", ("zap\x07 zop\nzup", "nlu_fallback", 0.45, at(7, 10, 9)))
    with session_scope(known_rows) as session:
        messages = fallback_messages(session, 30, None, now=NOW)
    assert messages[0].text == "zap zop zup"
    assert yaml.safe_load(nlu_yaml(messages, 30, None))["nlu"][0]["examples"].startswith("- zap zop zup\n")


# ---------------------------------------------------------------- the page


@pytest.fixture
def client(known_rows, monkeypatch):
    monkeypatch.setattr(period_module, "utc_now", lambda: NOW)
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="test secret")
    app.state.service = ChatService(known_rows, rasa=None, hub=None, hours=None)

    @app.get("/test/sign-in/{user_id}")
    async def sign_in(request: Request, user_id: int):
        service = request.app.state.service
        await auth.sign_in(request, service, await service.db(users.get_user, user_id))
        return {}

    app.state.templates = TEMPLATES
    app.include_router(insights_router)
    auth.answer_refusals(app)
    with session_scope(known_rows) as session:
        app.state.user_ids = {
            role: users.create_user(session, role, role, PASSWORD).id
            for role in ("counsellor", "supervisor", "staff", "admin")
        }
    return TestClient(app, follow_redirects=False)


def signed_in_as(client, role):
    client.get(f"/test/sign-in/{client.app.state.user_ids[role]}")
    return client


def test_staff_see_the_charts_and_what_the_bot_did_not_understand(client):
    page = signed_in_as(client, "staff").get("/insights").text
    assert len(re.findall(r'<svg class="chart"[^>]* role="img"', page)) == 9
    assert page.count("<title id=") == 9
    assert "blorp zib call [removed]" in page and "07700" not in page
    assert 'href="/insights/fallbacks.yml?days=30"' in page
    assert " style=" not in page and "<script" not in page


def test_the_page_shows_no_conversation_id(client):
    for role in ("staff", "supervisor"):
        for query in ("", "?region=uk", "?days=90", "?region=unknown"):
            page = signed_in_as(client, role).get("/insights" + query).text
            for sender_id in (UK_1, UK_2, US_1, NOWHERE, OLD):
                assert sender_id not in page


def test_the_filters(client):
    page = signed_in_as(client, "admin").get("/insights?days=7&region=us").text
    assert '<option value="7" selected>' in page and '<option value="us" selected>' in page
    assert "blorp" not in page  # the fallbacks were in the UK


def test_supervisors_see_the_charts_but_not_the_messages(client):
    signed_in_as(client, "supervisor")
    page = client.get("/insights").text
    assert page.count('role="img"') == 9
    assert 'id="fallbacks"' not in page and "blorp" not in page
    assert client.get("/insights/fallbacks.yml").status_code == 403


def test_the_download(client):
    response = signed_in_as(client, "staff").get("/insights/fallbacks.yml?days=30&region=uk")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="fallbacks.yml"'
    examples = yaml.safe_load(response.text)["nlu"][0]["examples"]
    assert examples.splitlines() == ["- blorp zib call [removed]", "- maybe block?", "- whats the weather"]


def test_counsellors_and_strangers_are_turned_away(client):
    assert client.get("/insights").headers["location"] == "/login"
    assert client.get("/insights/fallbacks.yml").headers["location"] == "/login"
    signed_in_as(client, "counsellor")
    assert client.get("/insights").status_code == 403
    assert client.get("/insights/fallbacks.yml").status_code == 403

"""A child's message left without the bot's answer (its web app instance stopped) is found, and taken by one
instance only, to be answered."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.store import handoffs
from bot.store.db import session_scope
from bot.store.models import Message
from bot.store.transcript import add_bot_messages, add_message, take_overdue
from bot.store.users import create_user
from tests.store.concurrency import in_parallel, postgres_engine  # noqa: F401 - a fixture

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
DUE = T0 + timedelta(seconds=45)
LATER = DUE + timedelta(seconds=1)
AGAIN = LATER + timedelta(seconds=45)
SINCE = LATER - timedelta(hours=1)


def _child(session, conversation_id, text, client_id, due=DUE, risk_level=None, evidence=None):
    return add_message(
        session,
        conversation_id,
        "child",
        text,
        client_id=client_id,
        reply_due_by=due,
        now=T0,
        risk_level=risk_level,
        risk_evidence=evidence,
    )


def _take(engine, now=LATER, due_again=AGAIN, since=SINCE):
    with session_scope(engine) as session:
        return take_overdue(session, now, due_again, since)


def _due_times(engine, conversation_id):
    with session_scope(engine) as session:
        return session.scalars(
            sa.select(Message.reply_due_by).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        ).all()


def test_an_overdue_message_is_taken_once_until_it_is_due_again(engine):
    with session_scope(engine) as session:
        _child(
            session,
            "alice",
            "he wants money",
            "c-1",
            risk_level="high",
            evidence=[{"rule": "money.demand", "words": "wants money"}],
        )

    assert _take(engine, now=DUE - timedelta(seconds=1)) == []  # not yet due
    [overdue] = _take(engine)
    assert (overdue.conversation_id, overdue.seq, overdue.client_id, overdue.text) == (
        "alice",
        1,
        "c-1",
        "he wants money",
    )
    assert (overdue.risk_level, overdue.risk_evidence) == ("high", ["wants money"])
    assert _due_times(engine, "alice") == [AGAIN]
    assert _take(engine) == []  # taken: another instance looking now finds nothing
    assert [m.seq for m in _take(engine, now=AGAIN + timedelta(seconds=1))] == [1]  # its taker stopped too


def test_the_bots_answer_means_nothing_is_due(engine):
    with session_scope(engine) as session:
        _child(session, "alice", "hi", "c-1")
        _child(session, "alice", "hello?", "c-2")
        add_bot_messages(session, "alice", [("Hello.", None)])
        _child(session, "bob", "hi", "c-3")
        add_bot_messages(session, "bob", [])  # Rasa answered with nothing to say

    assert _take(engine) == []
    assert _due_times(engine, "alice") == [None, None, None]


def test_only_the_childs_last_message_is_answered(engine):
    with session_scope(engine) as session:
        _child(session, "alice", "hi", "c-1")
        _child(session, "alice", "anyone there?", "c-2")

    assert [(m.seq, m.text) for m in _take(engine)] == [(2, "anyone there?")]
    assert _due_times(engine, "alice") == [None, AGAIN]


def test_a_message_the_child_has_written_after_is_answered_with_that_one(engine):
    with session_scope(engine) as session:
        _child(session, "alice", "hi", "c-1")
        _child(session, "alice", "are you there", "c-2", due=AGAIN)  # its turn is on its way

    assert _take(engine) == []
    assert _due_times(engine, "alice") == [None, AGAIN]


def test_a_counsellor_holding_the_conversation_answers_it(engine):
    with session_scope(engine) as session:
        counsellor = create_user(session, "Sam", "counsellor", "correct horse battery")
        _child(session, "alice", "i need help", "c-1")
        handoff = handoffs.request(session, "alice", "risk", "high", ["need help"], now=T0)
        handoffs.claim(session, handoff.id, counsellor.id, now=T0)

    assert _take(engine) == []
    assert _due_times(engine, "alice") == [None]


def test_a_message_long_overdue_is_left(engine):
    with session_scope(engine) as session:
        _child(session, "alice", "hi", "c-1")

    assert _take(engine, now=LATER + timedelta(hours=2), since=LATER + timedelta(hours=1)) == []


def test_two_instances_looking_at_once_take_each_message_once(postgres_engine):
    with session_scope(postgres_engine) as session:
        for number in range(20):
            _child(session, f"child-{number}", "hi", f"c-{number}")
    taken = []

    def look(_worker: int) -> None:
        taken.extend(message.conversation_id for message in _take(postgres_engine))

    assert in_parallel(4, look) == []
    assert sorted(taken) == sorted(f"child-{number}" for number in range(20))

"""The transcript numbers messages in order, stores a resent message once, and survives races."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.store import transcript
from bot.store.db import session_scope
from bot.store.models import Conversation, Message
from bot.store.transcript import add_message, last_child_texts, messages_after
from bot.store.users import create_user
from tests.store.concurrency import in_parallel, postgres_engine  # noqa: F401 - a fixture

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def _message_count(engine, conversation_id: str) -> int:
    with session_scope(engine) as session:
        return session.scalar(
            sa.select(sa.func.count()).select_from(Message).where(Message.conversation_id == conversation_id)
        )


def _all_messages(engine, conversation_id: str):
    with session_scope(engine) as session:
        return messages_after(session, conversation_id)


def test_messages_are_numbered_in_order_per_conversation(engine):
    with session_scope(engine) as session:
        first = add_message(session, "alice", "child", "hi", now=T0)
        second = add_message(session, "alice", "bot", "Hello.", buttons=BUTTONS, now=T0)
        other = add_message(session, "bob", "child", "hey", now=T0)
    with session_scope(engine) as session:
        third = add_message(session, "alice", "child", "help", now=T0)

    assert [first.seq, second.seq, third.seq, other.seq] == [1, 2, 3, 1]
    assert first.speaker == "child" and second.speaker == "bot"
    assert second.buttons == BUTTONS
    assert first.buttons == []
    assert first.created_at == T0 and not first.duplicate


def test_adding_a_message_creates_the_conversation_and_moves_retention_on(engine):
    later = T0 + timedelta(days=3)
    with session_scope(engine) as session:
        add_message(session, "alice", "child", "hi", now=T0)
        add_message(session, "alice", "bot", "Hello.", now=later)

    with session_scope(engine) as session:
        conversation = session.get(Conversation, "alice")
        assert (conversation.started_at, conversation.last_active_at) == (T0, later)
        assert conversation.delete_after > later


def test_counsellor_and_risk_are_kept(engine):
    with session_scope(engine) as session:
        counsellor = create_user(session, "Sam", "counsellor", "correct horse battery")
        add_message(
            session,
            "alice",
            "child",
            "i want to die",
            risk_level="imminent",
            risk_evidence=["want to die"],
            now=T0,
        )
        reply = add_message(session, "alice", "counsellor", "I'm here.", counsellor_id=counsellor.id)

    assert reply.counsellor_name == "sam"
    child, counsellor_reply = _all_messages(engine, "alice")
    assert (child.risk_level, child.counsellor_name) == ("imminent", None)
    assert (counsellor_reply.risk_level, counsellor_reply.counsellor_name) == (None, "sam")
    with session_scope(engine) as session:
        stored = session.scalars(sa.select(Message.risk_evidence).where(Message.seq == 1)).one()
        assert stored == '["want to die"]'


def test_unknown_speaker_is_refused(engine):
    with pytest.raises(ValueError), session_scope(engine) as session:
        add_message(session, "alice", "stranger", "hi")


def test_a_resent_message_is_stored_once(engine):
    with session_scope(engine) as session:
        original = add_message(session, "alice", "child", "hi", client_id="c-1", now=T0)
        add_message(session, "alice", "bot", "Hello.")
    with session_scope(engine) as session:
        resent = add_message(session, "alice", "child", "hi (resent)", client_id="c-1")
        elsewhere = add_message(session, "bob", "child", "hi", client_id="c-1")

    assert resent.duplicate and not original.duplicate and not elsewhere.duplicate
    assert (resent.seq, resent.text, resent.created_at) == (1, "hi", T0)
    assert _message_count(engine, "alice") == 2
    assert _message_count(engine, "bob") == 1


def test_messages_after_pages_in_seq_order(engine):
    with session_scope(engine) as session:
        for number in range(1, 8):
            add_message(session, "alice", "child", f"message {number}")

    with session_scope(engine) as session:
        assert [m.seq for m in messages_after(session, "alice")] == list(range(1, 8))
        assert [m.text for m in messages_after(session, "alice", after_seq=5)] == [
            "message 6",
            "message 7",
        ]
        assert [m.seq for m in messages_after(session, "alice", after_seq=2, limit=3)] == [3, 4, 5]
        assert messages_after(session, "alice", after_seq=7) == []
        assert messages_after(session, "nobody") == []


def test_last_child_texts_are_the_newest_child_messages_oldest_first(engine):
    with session_scope(engine) as session:
        for speaker, text in [
            ("child", "one"),
            ("bot", "reply"),
            ("child", "two"),
            ("child", "three"),
            ("counsellor", "hello"),
            ("child", "four"),
        ]:
            add_message(session, "alice", speaker, text)

    with session_scope(engine) as session:
        assert last_child_texts(session, "alice") == ["two", "three", "four"]
        assert last_child_texts(session, "alice", count=1) == ["four"]
        assert last_child_texts(session, "nobody") == []


def test_what_is_returned_is_what_is_read_back(engine):
    with session_scope(engine) as session:
        counsellor = create_user(session, "Sam", "counsellor", "correct horse battery")
        returned = [
            add_message(
                session,
                "alice",
                "child",
                "hi",
                client_id="c-1",
                risk_level="concern",
                now=T0 + timedelta(microseconds=123456),
            )
        ]
        returned += transcript.add_bot_messages(session, "alice", [("Hello.", BUTTONS), ("How can I help?", None)])
        returned.append(add_message(session, "alice", "counsellor", "I'm here.", counsellor_id=counsellor.id))

    assert [m.seq for m in returned] == [1, 2, 3, 4]
    assert returned == _all_messages(engine, "alice")


def test_bot_replies_to_one_message_are_stored_together_in_order(engine):
    with session_scope(engine) as session:
        add_message(session, "alice", "child", "hi")
        assert transcript.add_bot_messages(session, "alice", []) == []
        replies = transcript.add_bot_messages(session, "alice", [("One.", None), ("Two.", BUTTONS)], now=T0)

    assert [(m.seq, m.speaker, m.text, m.buttons, m.created_at) for m in replies] == [
        (2, "bot", "One.", [], T0),
        (3, "bot", "Two.", BUTTONS, T0),
    ]
    with session_scope(engine) as session:
        assert session.get(Conversation, "alice").last_active_at == T0


def test_processes_adding_at_once_get_distinct_consecutive_seqs(postgres_engine):
    workers, each = 6, 5
    seqs = []

    def add(worker: int) -> None:
        for number in range(each):
            with session_scope(postgres_engine) as session:
                stored = add_message(session, "race", "child", f"{worker}-{number}")
            seqs.append(stored.seq)

    assert in_parallel(workers, add) == []
    assert sorted(seqs) == list(range(1, workers * each + 1))
    assert len(_all_messages(postgres_engine, "race")) == workers * each


def test_replies_and_messages_stored_at_once_get_distinct_consecutive_seqs(postgres_engine):
    workers, each = 6, 4
    seqs = []

    def add(worker: int) -> None:
        for number in range(each):
            with session_scope(postgres_engine) as session:
                if worker % 2:
                    stored = transcript.add_bot_messages(
                        session, "race", [(f"{worker}-{number}a", None), (f"{worker}-{number}b", None)]
                    )
                else:
                    stored = [add_message(session, "race", "child", f"{worker}-{number}")]
            seqs.extend(message.seq for message in stored)

    assert in_parallel(workers, add) == []
    assert sorted(seqs) == list(range(1, len(seqs) + 1)) and len(seqs) == workers // 2 * each * 3
    texts = [message.text for message in _all_messages(postgres_engine, "race")]
    for worker in range(1, workers, 2):  # a batch of replies is never split by another writer
        for number in range(each):
            first = texts.index(f"{worker}-{number}a")
            assert texts[first + 1] == f"{worker}-{number}b"


def test_the_same_message_resent_at_once_is_stored_once(postgres_engine):
    results = []

    def resend(_worker: int) -> None:
        with session_scope(postgres_engine) as session:
            results.append(add_message(session, "race", "child", "hi", client_id="c-1"))

    assert in_parallel(4, resend) == []
    assert sorted(result.duplicate for result in results) == [False, True, True, True]
    assert {result.seq for result in results} == {1}
    assert _message_count(postgres_engine, "race") == 1

"""Recording activity and profiles of conversations."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot import settings
from bot.store.conversations import record_activity, update_profile
from bot.store.db import session_scope
from bot.store.models import AgeBand, Conversation, ConversationStatus, RiskLevel

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def _load(engine, sender_id: str) -> Conversation | None:
    with session_scope(engine) as session:
        conversation = session.get(Conversation, sender_id)
        session.expunge_all()
        return conversation


def test_first_sight_creates_the_conversation(engine):
    with session_scope(engine) as session:
        record_activity(session, "alice", now=T0)

    conversation = _load(engine, "alice")
    assert conversation.started_at == T0
    assert conversation.last_active_at == T0
    assert conversation.started_at.tzinfo == timezone.utc
    assert conversation.delete_after == T0 + timedelta(days=settings.RETENTION_DAYS)
    assert conversation.status is ConversationStatus.BOT
    assert conversation.risk_level is RiskLevel.NONE
    assert conversation.country is None and conversation.age_band is None


def test_later_activity_moves_last_active_and_retention_limit(engine, monkeypatch):
    monkeypatch.setattr(settings, "RETENTION_DAYS", 7)
    later = T0 + timedelta(hours=5)
    with session_scope(engine) as session:
        record_activity(session, "alice", now=T0)
    with session_scope(engine) as session:
        record_activity(session, "alice", now=later)

    conversation = _load(engine, "alice")
    assert conversation.started_at == T0
    assert conversation.last_active_at == later
    assert conversation.delete_after == later + timedelta(days=7)


def test_non_utc_times_are_stored_as_utc(engine):
    new_york_noon = datetime(2026, 1, 1, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    with session_scope(engine) as session:
        record_activity(session, "alice", now=new_york_noon)

    assert _load(engine, "alice").started_at == T0
    assert _load(engine, "alice").started_at.utcoffset() == timedelta(0)


def test_update_profile_sets_only_given_fields(engine):
    with session_scope(engine) as session:
        update_profile(session, "bob", country="uk", now=T0)
    with session_scope(engine) as session:
        update_profile(session, "bob", age_band="teen", now=T0)

    conversation = _load(engine, "bob")
    assert conversation.country == "uk"
    assert conversation.age_band is AgeBand.TEEN
    assert conversation.started_at == T0


def test_update_profile_rejects_unknown_age_band(engine):
    with pytest.raises(ValueError), session_scope(engine) as session:
        update_profile(session, "bob", age_band="toddler")
    assert _load(engine, "bob") is None


def test_two_processes_seeing_a_new_sender_at_once_make_one_row(engine):
    rounds, workers = 10, 2
    errors = []

    def record(sender_id: str, barrier: threading.Barrier, now: datetime) -> None:
        try:
            with session_scope(engine) as session:
                barrier.wait(timeout=10)
                record_activity(session, sender_id, now=now)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    for round_number in range(rounds):
        barrier = threading.Barrier(workers)
        threads = [
            threading.Thread(
                target=record,
                args=(f"race-{round_number}", barrier, T0 + timedelta(seconds=worker)),
            )
            for worker in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    with session_scope(engine) as session:
        conversations = session.scalars(sa.select(Conversation).where(Conversation.sender_id.like("race-%"))).all()
        assert len(conversations) == rounds
        for conversation in conversations:
            assert conversation.started_at in (T0, T0 + timedelta(seconds=1))

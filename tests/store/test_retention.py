"""Retention deletes expired conversations and old Rasa events, and keeps fresh ones."""
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from bot.store.conversations import record_activity
from bot.store.db import session_scope
from bot.store.models import Conversation
from bot.store.retention import delete_expired, retention_period
from tests.store.rasa_events import save_messages, stored_messages

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(timezone.utc)
EXPIRED = NOW - retention_period() - timedelta(days=1)
FRESH = NOW - timedelta(days=1)


def _sender_ids(engine) -> set:
    with session_scope(engine) as session:
        return set(session.scalars(sa.select(Conversation.sender_id)))


def test_deletes_expired_conversations_and_their_events(engine, tracker_store):
    # Fresh events for "expired": only its conversation row can get them deleted.
    save_messages(tracker_store, "expired", FRESH, FRESH)
    save_messages(tracker_store, "fresh", FRESH, FRESH)
    # Saving records activity now; move the conversations' activity to the test's clock.
    with session_scope(engine) as session:
        record_activity(session, "expired", now=EXPIRED)
        record_activity(session, "fresh", now=FRESH)

    assert delete_expired(engine, now=NOW) == 1

    assert _sender_ids(engine) == {"fresh"}
    assert stored_messages(tracker_store, "expired") == []
    assert stored_messages(tracker_store, "fresh") == ["message 0", "message 1"]


def test_deletes_old_rasa_events_of_senders_without_a_conversation(engine, tracker_store):
    save_messages(tracker_store, "stale", EXPIRED, EXPIRED)
    save_messages(tracker_store, "old-but-active", EXPIRED, EXPIRED)
    save_messages(tracker_store, "old-but-active", FRESH)

    assert delete_expired(engine, now=NOW) == 0

    assert stored_messages(tracker_store, "stale") == []
    assert len(stored_messages(tracker_store, "old-but-active")) == 3


def test_works_before_rasa_created_its_events_table(engine):
    with session_scope(engine) as session:
        record_activity(session, "expired", now=EXPIRED)
    assert "events" not in sa.inspect(engine).get_table_names()

    assert delete_expired(engine, now=NOW) == 1
    assert _sender_ids(engine) == set()


def test_command_line_prints_only_the_count(engine, database_url):
    with session_scope(engine) as session:
        record_activity(session, "expired", now=EXPIRED)

    result = subprocess.run(
        [sys.executable, "-m", "bot.store.retention"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "Deleted 1 expired conversations.\n"
    assert "expired" not in result.stderr

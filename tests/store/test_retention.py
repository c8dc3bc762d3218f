"""Retention deletes expired conversations and old Rasa events, and keeps fresh ones."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.launch import Every
from bot.store import audit, users
from bot.store.conversations import record_activity
from bot.store.db import session_scope
from bot.store.models import Conversation
from bot.store.retention import delete_conversation, delete_expired, retention_period
from tests.store.databases import run_command
from tests.store.rasa_events import save_messages, stored_messages

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

    result = run_command("bot.store.retention", database_url, check=True)
    assert result.stdout == "Deleted 1 expired conversations.\n"
    assert "expired" not in result.stderr


def _audit_actions(engine) -> list:
    with session_scope(engine) as session:
        return [(entry.who, entry.action, entry.target) for entry in audit.recent(session)]


def test_each_run_that_deletes_is_in_the_audit_log(engine):
    with session_scope(engine) as session:
        record_activity(session, "expired", now=EXPIRED)
    delete_expired(engine, now=NOW)
    delete_expired(engine, now=NOW)  # nothing left: nothing to log
    assert _audit_actions(engine) == [("system", "retention.delete_expired", "conversations")]


def test_an_admin_deletes_one_conversation_on_request_with_its_events(engine, tracker_store):
    save_messages(tracker_store, "asked", FRESH, FRESH)
    save_messages(tracker_store, "kept", FRESH)
    with session_scope(engine) as session:
        admin = users.create_user(session, "admin-a", "admin", "a long password 1")

    assert delete_conversation(engine, "asked", admin.id) is True
    assert delete_conversation(engine, "never-was", admin.id) is False

    assert _sender_ids(engine) == {"kept"}
    assert stored_messages(tracker_store, "asked") == []
    assert stored_messages(tracker_store, "kept") == ["message 0"]
    assert _audit_actions(engine) == [("admin-a", "conversation.delete", "conversation:asked")]


def test_make_run_repeats_the_retention_job_and_survives_a_failure():
    runs = []

    def work():
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("database away")

    job = Every(3600, work, "retention")
    assert job.run_if_due(now=1000.0) is True  # at once, and the failure is swallowed
    assert job.run_if_due(now=2000.0) is False
    assert job.run_if_due(now=4600.0) is True
    assert runs == [0, 1]

"""Retention takes a conversation's transcript, handoffs and notes with it; deleting an account
keeps what the counsellor wrote, without their name."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.store import handoffs
from bot.store.db import session_scope
from bot.store.models import CounsellorNote, Handoff, Message, User
from bot.store.retention import delete_expired, retention_period
from bot.store.transcript import add_message, messages_after
from bot.store.users import create_user

NOW = datetime.now(timezone.utc)
EXPIRED = NOW - retention_period() - timedelta(days=1)
FRESH = NOW - timedelta(days=1)


def _talk_with_a_counsellor(session, conversation_id: str, counsellor_id: int, at: datetime):
    add_message(session, conversation_id, "child", "help", now=at)
    handoffs.pick(session, conversation_id, counsellor_id, now=at)
    add_message(session, conversation_id, "counsellor", "hi", counsellor_id=counsellor_id, now=at)
    handoffs.add_note(session, conversation_id, counsellor_id, "note", now=at)


def _rows_per_conversation(session, model) -> dict:
    return dict(
        session.execute(sa.select(model.conversation_id, sa.func.count()).group_by(model.conversation_id)).all()
    )


def test_deleting_an_expired_conversation_deletes_its_messages_handoffs_and_notes(engine):
    with session_scope(engine) as session:
        sam = create_user(session, "sam", "counsellor", "correct horse battery").id
        for conversation_id, at in [("expired", EXPIRED), ("fresh", FRESH)]:
            _talk_with_a_counsellor(session, conversation_id, sam, at)
            handoffs.end(session, conversation_id, sam, now=at)
            handoffs.request(session, conversation_id, "child_asked", now=at)

    assert delete_expired(engine, now=NOW) == 1

    with session_scope(engine) as session:
        assert _rows_per_conversation(session, Message) == {"fresh": 2}
        assert _rows_per_conversation(session, Handoff) == {"fresh": 2}
        assert _rows_per_conversation(session, CounsellorNote) == {"fresh": 1}


def test_deleting_an_account_keeps_its_messages_handoffs_and_notes(engine):
    with session_scope(engine) as session:
        sam = create_user(session, "sam", "counsellor", "correct horse battery").id
        _talk_with_a_counsellor(session, "alice", sam, FRESH)
    with engine.begin() as connection:
        connection.execute(sa.delete(User.__table__).where(User.id == sam))

    with session_scope(engine) as session:
        assert [m.counsellor_name for m in messages_after(session, "alice")] == [None, None]
        assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 2
        handoff = handoffs.active(session, "alice")
        assert (handoff.status, handoff.counsellor_id) == ("active", None)
        (note,) = handoffs.notes(session, "alice")
        assert (note.text, note.author_id, note.author_name) == ("note", None, None)

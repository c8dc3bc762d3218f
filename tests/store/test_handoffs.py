"""Handoffs: the queue's order, claiming exactly once, transfer, ending, and notes."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.store import handoffs, users
from bot.store.conversations import update_profile
from bot.store.db import session_scope
from bot.store.handoffs import AlreadyClaimed, NotHeldBy
from bot.store.models import Conversation, ConversationStatus, Handoff, RiskLevel
from bot.store.users import create_user
from tests.store.concurrency import in_parallel, postgres_engine  # noqa: F401 - a fixture

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


def _minutes(count: int) -> datetime:
    return T0 + timedelta(minutes=count)


def _counsellors(engine, *names: str) -> list:
    with session_scope(engine) as session:
        return [create_user(session, name, "counsellor", PASSWORD).id for name in names]


def _conversation(engine, conversation_id: str):
    with session_scope(engine) as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        return conversation.status, conversation.risk_level


def test_a_request_queues_the_conversation(engine):
    with session_scope(engine) as session:
        handoff = handoffs.request(session, "alice", "risk", "high", evidence=["kill myself"], now=T0)

    assert (handoff.status, handoff.reason, handoff.risk_level) == ("waiting", "risk", "high")
    assert handoff.evidence == ["kill myself"]
    assert handoff.requested_at == T0
    assert handoff.counsellor_id is None and handoff.claimed_at is None
    assert _conversation(engine, "alice") == (ConversationStatus.WAITING, RiskLevel.HIGH)


def test_a_second_request_raises_the_risk_of_the_first(engine):
    with session_scope(engine) as session:
        first = handoffs.request(session, "alice", "child_asked", now=T0)
        second = handoffs.request(session, "alice", "risk", "high", evidence=["a", "b"])
        third = handoffs.request(session, "alice", "risk", "concern", evidence=["b", "c"])

    assert first.id == second.id == third.id
    assert (third.reason, third.risk_level, third.requested_at) == ("child_asked", "high", T0)
    assert third.evidence == ["a", "b", "c"]
    assert _conversation(engine, "alice") == (ConversationStatus.WAITING, RiskLevel.HIGH)


def test_a_request_never_lowers_the_conversations_risk(engine):
    with session_scope(engine) as session:
        handoffs.request(session, "alice", "risk", "imminent")
    with session_scope(engine) as session:
        counsellor = create_user(session, "sam", "counsellor", PASSWORD)
        handoffs.claim(session, handoffs.active(session, "alice").id, counsellor.id)
        handoffs.end(session, "alice", counsellor.id)
        again = handoffs.request(session, "alice", "child_asked", "none")

    assert again.risk_level == "none"
    assert _conversation(engine, "alice") == (ConversationStatus.WAITING, RiskLevel.IMMINENT)


def test_unknown_reason_or_risk_level_is_refused(engine):
    with pytest.raises(ValueError), session_scope(engine) as session:
        handoffs.request(session, "alice", "bored")
    with pytest.raises(ValueError), session_scope(engine) as session:
        handoffs.request(session, "alice", "risk", "extreme")


def test_the_queue_puts_the_most_urgent_first_then_the_longest_waiting(engine):
    requests = [  # conversation, risk level, minutes after T0
        ("none-early", "none", 0),
        ("concern-late", "concern", 5),
        ("imminent", "imminent", 9),
        ("concern-early", "concern", 1),
        ("high", "high", 7),
        ("none-late", "none", 3),
    ]
    with session_scope(engine) as session:
        update_profile(session, "high", country="ie", age_band="teen")
        for conversation_id, level, minutes in requests:
            handoffs.request(session, conversation_id, "risk", level, now=_minutes(minutes))
        handoffs.request(session, "high", "child_asked", "none", evidence=["hurt myself"])

    with session_scope(engine) as session:
        queue = handoffs.queue(session)
        positions = {entry.conversation_id: handoffs.position(session, entry.conversation_id) for entry in queue}

    expected = ["imminent", "high", "concern-early", "concern-late", "none-early", "none-late"]
    assert [entry.conversation_id for entry in queue] == expected
    assert [entry.position for entry in queue] == [1, 2, 3, 4, 5, 6]
    assert positions == {conversation_id: n for n, conversation_id in enumerate(expected, 1)}
    high = queue[1]
    assert (high.region, high.age_band, high.risk_level) == ("ie", "teen", "high")
    assert (high.reason, high.evidence) == ("risk", ["hurt myself"])
    assert high.requested_at == _minutes(7)
    assert queue[0].region is None and queue[0].age_band is None


def test_requests_at_the_same_moment_keep_their_order(engine):
    with session_scope(engine) as session:
        for conversation_id in ("first", "second", "third"):
            handoffs.request(session, conversation_id, "child_asked", now=T0)

    with session_scope(engine) as session:
        assert [e.conversation_id for e in handoffs.queue(session)] == ["first", "second", "third"]
        assert [handoffs.position(session, c) for c in ("first", "second", "third")] == [1, 2, 3]


def test_position_is_none_unless_waiting(engine):
    (sam,) = _counsellors(engine, "sam")
    with session_scope(engine) as session:
        handoffs.request(session, "ahead", "child_asked", now=T0)
        waiting = handoffs.request(session, "alice", "child_asked", now=_minutes(1))
        assert handoffs.position(session, "alice") == 2
        assert handoffs.position(session, "nobody") is None
        handoffs.claim(session, waiting.id, sam)
        assert handoffs.position(session, "alice") is None
        assert [e.conversation_id for e in handoffs.queue(session)] == ["ahead"]


def test_claiming_gives_the_conversation_to_one_counsellor(engine):
    sam, kim = _counsellors(engine, "sam", "kim")
    with session_scope(engine) as session:
        waiting = handoffs.request(session, "alice", "child_asked", now=T0)
    with session_scope(engine) as session:
        claimed = handoffs.claim(session, waiting.id, sam, now=_minutes(2))

    assert (claimed.id, claimed.status, claimed.counsellor_name) == (waiting.id, "active", "sam")
    assert claimed.claimed_at == _minutes(2)
    assert _conversation(engine, "alice")[0] is ConversationStatus.LIVE
    with pytest.raises(AlreadyClaimed), session_scope(engine) as session:
        handoffs.claim(session, waiting.id, kim)
    with session_scope(engine) as session:
        assert handoffs.active(session, "alice").counsellor_name == "sam"
    with pytest.raises(LookupError), session_scope(engine) as session:
        handoffs.claim(session, waiting.id + 100, kim)


def test_counsellors_claiming_at_once_get_it_exactly_once(postgres_engine):
    counsellors = _counsellors(postgres_engine, *(f"counsellor{n}" for n in range(6)))
    with session_scope(postgres_engine) as session:
        handoff_id = handoffs.request(session, "alice", "risk", "high").id
    winners = []

    def claim(worker: int) -> None:
        with session_scope(postgres_engine) as session:
            winners.append(handoffs.claim(session, handoff_id, counsellors[worker]).counsellor_id)

    errors = in_parallel(len(counsellors), claim)

    assert len(winners) == 1
    assert len(errors) == len(counsellors) - 1
    assert all(isinstance(error, AlreadyClaimed) for error in errors)
    with session_scope(postgres_engine) as session:
        assert handoffs.active(session, "alice").counsellor_id == winners[0]


def test_a_counsellor_can_pick_a_conversation_nobody_handed_off(engine):
    sam, kim = _counsellors(engine, "sam", "kim")
    with session_scope(engine) as session:
        update_profile(session, "alice", country="uk")
        picked = handoffs.pick(session, "alice", sam, now=T0)

    assert (picked.reason, picked.status, picked.counsellor_name) == ("counsellor_picked", "active", "sam")
    assert _conversation(engine, "alice")[0] is ConversationStatus.LIVE
    with pytest.raises(AlreadyClaimed), session_scope(engine) as session:
        handoffs.pick(session, "alice", kim)
    with session_scope(engine) as session:
        assert handoffs.active(session, "alice").counsellor_name == "sam"


def test_transfer_passes_the_conversation_on(engine):
    sam, kim, lee = _counsellors(engine, "sam", "kim", "lee")
    with session_scope(engine) as session:
        handoffs.pick(session, "alice", sam)
    with pytest.raises(NotHeldBy), session_scope(engine) as session:
        handoffs.transfer(session, "alice", kim, lee)
    with session_scope(engine) as session:
        moved = handoffs.transfer(session, "alice", sam, kim)

    assert (moved.status, moved.counsellor_id, moved.counsellor_name) == ("active", kim, "kim")
    with pytest.raises(NotHeldBy), session_scope(engine) as session:
        handoffs.transfer(session, "alice", sam, lee)


def test_ending_hands_the_conversation_back_to_the_bot(engine):
    sam, kim = _counsellors(engine, "sam", "kim")
    with session_scope(engine) as session:
        first = handoffs.pick(session, "alice", sam, now=T0)
    with pytest.raises(NotHeldBy), session_scope(engine) as session:
        handoffs.end(session, "alice", kim)
    with session_scope(engine) as session:
        ended = handoffs.end(session, "alice", sam, now=_minutes(30))
        assert handoffs.active(session, "alice") is None

    assert (ended.id, ended.status, ended.ended_at) == (first.id, "ended", _minutes(30))
    assert _conversation(engine, "alice")[0] is ConversationStatus.BOT
    with pytest.raises(NotHeldBy), session_scope(engine) as session:
        handoffs.end(session, "alice", sam)
    with session_scope(engine) as session:
        again = handoffs.request(session, "alice", "child_asked")
    assert again.id != first.id and again.status == "waiting"


def test_a_conversation_has_at_most_one_open_handoff(engine):
    with session_scope(engine) as session:
        handoffs.request(session, "alice", "child_asked", now=T0)
    with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
        session.add(Handoff(conversation_id="alice", status="active", reason="risk", requested_at=T0))


def test_live_lists_waiting_and_active_handoffs_with_counsellor_names(engine):
    sam, kim = _counsellors(engine, "sam", "kim")
    with session_scope(engine) as session:
        handoffs.request(session, "waiting", "child_asked", now=_minutes(2))
        handoffs.pick(session, "active", sam, now=_minutes(1))
        handoffs.pick(session, "ended", kim, now=T0)
        handoffs.end(session, "ended", kim)

    with session_scope(engine) as session:
        live = handoffs.live(session)

    assert [(h.conversation_id, h.status, h.counsellor_name) for h in live] == [
        ("active", "active", "sam"),
        ("waiting", "waiting", None),
    ]


def test_notes_are_kept_oldest_first_with_their_authors(engine):
    sam, kim = _counsellors(engine, "sam", "kim")
    with session_scope(engine) as session:
        handoffs.request(session, "alice", "child_asked")
        handoffs.add_note(session, "alice", kim, "Second.", now=_minutes(5))
        added = handoffs.add_note(session, "alice", sam, "First.", now=T0)
        handoffs.request(session, "bob", "child_asked")
        handoffs.add_note(session, "bob", sam, "Other conversation.")

    assert (added.author_name, added.text, added.created_at) == ("sam", "First.", T0)
    with session_scope(engine) as session:
        notes = handoffs.notes(session, "alice")
        assert [(note.author_name, note.text) for note in notes] == [
            ("sam", "First."),
            ("kim", "Second."),
        ]
        assert handoffs.notes(session, "nobody") == []


def test_a_conversation_goes_only_to_an_active_account_that_takes_conversations(engine):
    sam, kim, gone = _counsellors(engine, "sam", "kim", "gone")
    with session_scope(engine) as session:
        editor = create_user(session, "ed", "staff", PASSWORD).id
        users.disable(session, gone)
        handoffs.pick(session, "alice", sam)
    for to in (gone, editor, 999_999, sam):
        with pytest.raises(handoffs.TransferRefused), session_scope(engine) as session:
            handoffs.transfer(session, "alice", sam, to)
    with session_scope(engine) as session:
        assert handoffs.active(session, "alice").counsellor_id == sam
        assert handoffs.transfer(session, "alice", sam, kim).counsellor_id == kim

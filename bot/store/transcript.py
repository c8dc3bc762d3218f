"""Keeps each conversation's transcript: every message, numbered in the order it was stored."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.conversations import record_activity
from bot.store.models import Conversation, Handoff, HandoffStatus, Message, RiskLevel, Speaker, User
from bot.store.utc import utc_now


@dataclass(frozen=True)
class StoredMessage:
    """One message of a transcript, as the web app shows it."""

    seq: int
    speaker: str
    text: str
    buttons: list[dict[str, str]]
    created_at: datetime
    client_id: str | None
    counsellor_name: str | None
    risk_level: str | None
    duplicate: bool = False


def lock_conversation(session: Session, conversation_id: str, now: datetime | None = None) -> Conversation:
    """Records activity on the conversation, then returns its row, held until the transaction ends.

    Every writer of a conversation's transcript or handoff records activity first: that upsert holds the row
    (PostgreSQL locks the row it inserts or updates; SQLite has one writer at a time), so two web app processes
    take turns on the same conversation and each sees what the other stored.
    """
    record_activity(session, conversation_id, now)
    return session.scalars(
        sa.select(Conversation)
        .where(Conversation.sender_id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _buttons_json(buttons: Sequence[dict[str, str]] | None) -> str | None:
    if not buttons:
        return None
    return json.dumps([{"title": b["title"], "payload": b["payload"]} for b in buttons])


def _stored(message: Message, counsellor_name: str | None, duplicate: bool) -> StoredMessage:
    return StoredMessage(
        seq=message.seq,
        speaker=Speaker(message.speaker).value,
        text=message.text,
        buttons=json.loads(message.buttons) if message.buttons else [],
        created_at=message.created_at,
        client_id=message.client_id,
        counsellor_name=counsellor_name,
        risk_level=RiskLevel(message.risk_level).value if message.risk_level else None,
        duplicate=duplicate,
    )


def _with_counsellor_names():
    return sa.select(Message, User.name).outerjoin(User, User.id == Message.counsellor_id)


def _already_stored(session: Session, conversation_id: str, client_id: str) -> StoredMessage | None:
    earlier = session.execute(
        _with_counsellor_names().where(Message.conversation_id == conversation_id, Message.client_id == client_id)
    ).one_or_none()
    if earlier is None:
        return None
    message, counsellor_name = earlier
    return _stored(message, counsellor_name, duplicate=True)


def _next_seq(session: Session, conversation_id: str) -> int:
    last = session.scalar(sa.select(sa.func.max(Message.seq)).where(Message.conversation_id == conversation_id))
    return (last or 0) + 1


def _row(
    speaker,
    text,
    *,
    client_id=None,
    buttons=None,
    counsellor_id=None,
    risk_level=None,
    risk_evidence=None,
    reply_due_by=None,
):
    return dict(
        speaker=Speaker(speaker),
        text=text,
        buttons=_buttons_json(buttons),
        client_id=client_id,
        counsellor_id=counsellor_id,
        risk_level=RiskLevel(risk_level) if risk_level is not None else None,
        risk_evidence=json.dumps(risk_evidence) if risk_evidence is not None else None,
        reply_due_by=reply_due_by,
    )


def _append(session: Session, conversation_id: str, rows: list[dict[str, Any]], now: datetime) -> list[StoredMessage]:
    """Stores `rows` with the conversation's next seqs, in one statement; the conversation is already held."""
    first = _next_seq(session, conversation_id)
    for seq, row in enumerate(rows, start=first):
        row.update(conversation_id=conversation_id, seq=seq, created_at=now)
    session.execute(sa.insert(Message), rows)
    counsellor_ids = {row["counsellor_id"] for row in rows if row["counsellor_id"] is not None}
    names: dict[int, str] = (
        {
            user_id: name
            for user_id, name in session.execute(sa.select(User.id, User.name).where(User.id.in_(counsellor_ids)))
        }
        if counsellor_ids
        else {}
    )
    stored_at = now.astimezone(timezone.utc)
    return [
        StoredMessage(
            seq=row["seq"],
            speaker=row["speaker"].value,
            text=row["text"],
            buttons=json.loads(row["buttons"]) if row["buttons"] else [],
            created_at=stored_at,
            client_id=row["client_id"],
            counsellor_name=names.get(row["counsellor_id"]),
            risk_level=row["risk_level"].value if row["risk_level"] else None,
        )
        for row in rows
    ]


def add_message(
    session: Session,
    conversation_id: str,
    speaker: Speaker | str,
    text: str,
    *,
    client_id: str | None = None,
    buttons: Sequence[dict[str, str]] | None = None,
    counsellor_id: int | None = None,
    risk_level: RiskLevel | str | None = None,
    risk_evidence: Any = None,
    reply_due_by: datetime | None = None,
    now: datetime | None = None,
) -> StoredMessage:
    """Appends a message with the next seq; a client_id already stored returns that message.

    `reply_due_by`: a child's message the bot is to answer by then (see take_overdue)."""
    now = now or utc_now()
    row = _row(
        speaker,
        text,
        client_id=client_id,
        buttons=buttons,
        counsellor_id=counsellor_id,
        risk_level=risk_level,
        risk_evidence=risk_evidence,
        reply_due_by=reply_due_by,
    )
    record_activity(session, conversation_id, now)  # holds the conversation: see lock_conversation
    if client_id is not None:
        earlier = _already_stored(session, conversation_id, client_id)
        if earlier is not None:
            return earlier
    return _append(session, conversation_id, [row], now)[0]


def add_bot_messages(
    session: Session,
    conversation_id: str,
    replies: Sequence[tuple[str, Sequence[dict[str, str]] | None]],
    now: datetime | None = None,
) -> list[StoredMessage]:
    """Appends the bot's replies to the child's last message, `(text, buttons)` each, with consecutive seqs: the
    child's messages are answered (even with no replies at all)."""
    now = now or utc_now()
    record_activity(session, conversation_id, now)  # holds the conversation: see lock_conversation
    mark_answered(session, conversation_id)
    if not replies:
        return []
    return _append(
        session, conversation_id, [_row(Speaker.BOT, text, buttons=buttons) for text, buttons in replies], now
    )


def mark_answered(session: Session, conversation_id: str, up_to_seq: int | None = None) -> None:
    """No bot answer is due any more to the child's messages (up to `up_to_seq`)."""
    conditions = [Message.conversation_id == conversation_id, Message.reply_due_by.isnot(None)]
    if up_to_seq is not None:
        conditions.append(Message.seq <= up_to_seq)
    session.execute(
        sa.update(Message).where(*conditions).values(reply_due_by=None).execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Overdue:
    """A child's message still without the bot's answer when it was due."""

    conversation_id: str
    seq: int
    client_id: str | None
    text: str
    risk_level: str | None
    risk_evidence: list[str]


def take_overdue(session: Session, now: datetime, due_again: datetime, since: datetime) -> list[Overdue]:
    """The child's last message in each conversation, if its answer is overdue (due between `since` and `now`),
    taken for the caller by moving its due time to `due_again`, so no other web app instance takes it meanwhile.
    An earlier message is answered with the child's last one; while a counsellor holds the conversation, the
    counsellor answers."""
    candidates = session.execute(
        sa.select(Message.conversation_id, sa.func.max(Message.seq))
        .where(Message.reply_due_by < now, Message.reply_due_by >= since)
        .group_by(Message.conversation_id)
        .order_by(Message.conversation_id)  # one order of locking for every instance
    ).all()
    taken = []
    for conversation_id, seq in candidates:
        lock_conversation(session, conversation_id)
        message = session.scalars(
            sa.select(Message).where(
                Message.conversation_id == conversation_id, Message.seq == seq, Message.reply_due_by < now
            )
        ).one_or_none()
        if message is None:  # answered, or taken by another instance, since the first look
            continue
        last = session.scalar(
            sa.select(sa.func.max(Message.seq)).where(
                Message.conversation_id == conversation_id, Message.speaker == Speaker.CHILD
            )
        )
        held = session.scalar(
            sa.select(Handoff.id).where(
                Handoff.conversation_id == conversation_id, Handoff.status == HandoffStatus.ACTIVE
            )
        )
        if last != seq or held is not None:
            mark_answered(session, conversation_id, seq)
            continue
        mark_answered(session, conversation_id, seq - 1)
        message.reply_due_by = due_again
        evidence = json.loads(message.risk_evidence) if message.risk_evidence else []
        taken.append(
            Overdue(
                conversation_id,
                seq,
                message.client_id,
                message.text,
                RiskLevel(message.risk_level).value if message.risk_level else None,
                [item["words"] for item in evidence if isinstance(item, dict) and "words" in item],
            )
        )
    return taken


def messages_after(session: Session, conversation_id: str, after_seq: int = 0, limit: int = 500) -> list[StoredMessage]:
    """Returns the conversation's messages with seq above `after_seq`, oldest first."""
    rows = session.execute(
        _with_counsellor_names()
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return [_stored(message, name, duplicate=False) for message, name in rows]


def last_child_texts(session: Session, conversation_id: str, count: int = 3) -> list[str]:
    """Returns the texts of the child's last `count` messages, oldest first."""
    texts = session.scalars(
        sa.select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.speaker == Speaker.CHILD)
        .order_by(Message.seq.desc())
        .limit(count)
    ).all()
    return list(reversed(texts))

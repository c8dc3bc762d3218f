"""Keeps each conversation's transcript: every message, numbered in the order it was stored."""
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Union

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.conversations import record_activity
from bot.store.models import Conversation, Message, RiskLevel, Speaker, User
from bot.store.utc import utc_now

# The conversation row lock makes clashes rare; a clash still left is retried this often.
_INSERT_ATTEMPTS = 5


@dataclass(frozen=True)
class StoredMessage:
    """One message of a transcript, as the web app shows it."""

    seq: int
    speaker: str
    text: str
    buttons: List[Dict[str, str]]
    created_at: datetime
    client_id: Optional[str]
    counsellor_name: Optional[str]
    risk_level: Optional[str]
    duplicate: bool = False


def lock_conversation(
    session: Session, conversation_id: str, now: Optional[datetime] = None
) -> Conversation:
    """Records activity on the conversation, then holds its row until the transaction ends.

    Every writer of a conversation's transcript or handoff calls this first, so two web app
    processes take turns on the same conversation (SQLite allows one writer at a time anyway).
    """
    record_activity(session, conversation_id, now)
    return session.scalars(
        sa.select(Conversation)
        .where(Conversation.sender_id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _buttons_json(buttons: Optional[Sequence[Dict[str, str]]]) -> Optional[str]:
    if not buttons:
        return None
    return json.dumps([{"title": b["title"], "payload": b["payload"]} for b in buttons])


def _stored(message: Message, counsellor_name: Optional[str], duplicate: bool) -> StoredMessage:
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


def _find(session: Session, conversation_id: str, condition):
    return session.execute(
        _with_counsellor_names().where(Message.conversation_id == conversation_id, condition)
    ).one_or_none()


def _next_seq(session: Session, conversation_id: str) -> int:
    last = session.scalar(
        sa.select(sa.func.max(Message.seq)).where(Message.conversation_id == conversation_id)
    )
    return (last or 0) + 1


def _insert_next(session: Session, values: Dict[str, Any]) -> StoredMessage:
    conversation_id, client_id = values["conversation_id"], values["client_id"]
    if client_id is not None:
        earlier = _find(session, conversation_id, Message.client_id == client_id)
        if earlier is not None:
            return _stored(*earlier, duplicate=True)
    seq = _next_seq(session, conversation_id)
    with session.begin_nested():
        session.execute(sa.insert(Message).values(seq=seq, **values))
    return _stored(*_find(session, conversation_id, Message.seq == seq), duplicate=False)


def add_message(
    session: Session,
    conversation_id: str,
    speaker: Union[Speaker, str],
    text: str,
    *,
    client_id: Optional[str] = None,
    buttons: Optional[Sequence[Dict[str, str]]] = None,
    counsellor_id: Optional[int] = None,
    risk_level: Optional[Union[RiskLevel, str]] = None,
    risk_evidence: Any = None,
    now: Optional[datetime] = None,
) -> StoredMessage:
    """Appends a message with the next seq; a client_id already stored returns that message."""
    now = now or utc_now()
    values = dict(
        conversation_id=conversation_id,
        speaker=Speaker(speaker),
        text=text,
        buttons=_buttons_json(buttons),
        client_id=client_id,
        counsellor_id=counsellor_id,
        risk_level=RiskLevel(risk_level) if risk_level is not None else None,
        risk_evidence=json.dumps(risk_evidence) if risk_evidence is not None else None,
        created_at=now,
    )
    lock_conversation(session, conversation_id, now)
    for _ in range(_INSERT_ATTEMPTS - 1):
        try:
            return _insert_next(session, values)
        except sa.exc.IntegrityError:
            # Another process stored this seq or client_id first: look again.
            continue
    return _insert_next(session, values)


def messages_after(
    session: Session, conversation_id: str, after_seq: int = 0, limit: int = 500
) -> List[StoredMessage]:
    """Returns the conversation's messages with seq above `after_seq`, oldest first."""
    rows = session.execute(
        _with_counsellor_names()
        .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
        .order_by(Message.seq)
        .limit(limit)
    )
    return [_stored(message, name, duplicate=False) for message, name in rows]


def last_child_texts(session: Session, conversation_id: str, count: int = 3) -> List[str]:
    """Returns the texts of the child's last `count` messages, oldest first."""
    texts = session.scalars(
        sa.select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.speaker == Speaker.CHILD)
        .order_by(Message.seq.desc())
        .limit(count)
    ).all()
    return list(reversed(texts))

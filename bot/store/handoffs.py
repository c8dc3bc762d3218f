"""Passes conversations to counsellors: the queue, claiming, transfer, ending, and notes."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.models import (
    Conversation,
    CounsellorNote,
    Handoff,
    HandoffReason,
    HandoffStatus,
    RiskLevel,
    User,
    UserRole,
)
from bot.store.transcript import lock_conversation
from bot.store.utc import utc_now
from bot.vocabulary import AREA_ROLES

_OPEN = (HandoffStatus.WAITING, HandoffStatus.ACTIVE)

# Most urgent first, then first come first served; queue() and position() share it.
_URGENCY: "sa.sql.elements.Case[sa.Integer]" = sa.case(
    *((Handoff.risk_level == level, level.rank) for level in RiskLevel), else_=0
)
_QUEUE_ORDER = (_URGENCY.desc(), Handoff.requested_at, Handoff.id)


class AlreadyClaimed(Exception):
    """The handoff is no longer waiting: another counsellor claimed it, or it ended."""


class NotHeldBy(Exception):
    """The conversation has no active handoff held by that counsellor."""


@dataclass(frozen=True)
class HandoffView:
    """A handoff as the web app shows it."""

    id: int
    conversation_id: str
    status: str
    reason: str
    risk_level: str
    evidence: list[str]
    requested_at: datetime
    claimed_at: datetime | None
    counsellor_id: int | None
    counsellor_name: str | None
    ended_at: datetime | None


@dataclass(frozen=True)
class QueueEntry:
    """A waiting handoff and what a counsellor needs to choose whom to help next."""

    handoff_id: int
    conversation_id: str
    risk_level: str
    reason: str
    evidence: list[str]
    requested_at: datetime
    region: str | None
    age_band: str | None
    position: int


@dataclass(frozen=True)
class NoteView:
    """A counsellor's note on a conversation."""

    id: int
    conversation_id: str
    author_id: int | None
    author_name: str | None
    text: str
    created_at: datetime


def _evidence(stored: str | None) -> list[str]:
    return json.loads(stored) if stored else []


def _merged(known: list[str], new: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*known, *new]))


def _view(handoff: Handoff, counsellor_name: str | None) -> HandoffView:
    return HandoffView(
        id=handoff.id,
        conversation_id=handoff.conversation_id,
        status=HandoffStatus(handoff.status).value,
        reason=HandoffReason(handoff.reason).value,
        risk_level=RiskLevel(handoff.risk_level).value,
        evidence=_evidence(handoff.evidence),
        requested_at=handoff.requested_at,
        claimed_at=handoff.claimed_at,
        counsellor_id=handoff.counsellor_id,
        counsellor_name=counsellor_name,
        ended_at=handoff.ended_at,
    )


def _views(session: Session, *conditions) -> list[HandoffView]:
    rows = session.execute(
        sa.select(Handoff, User.name)
        .outerjoin(User, User.id == Handoff.counsellor_id)
        .where(*conditions)
        .order_by(Handoff.requested_at, Handoff.id)
        # Claims and ends are plain UPDATEs, so objects already in the session may be stale.
        .execution_options(populate_existing=True)
    )
    return [_view(handoff, name) for handoff, name in rows]


def _open_handoff(session: Session, conversation_id: str) -> Handoff | None:
    return session.scalars(
        sa.select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(_OPEN))
        .execution_options(populate_existing=True)
    ).one_or_none()


def request(
    session: Session,
    conversation_id: str,
    reason: HandoffReason | str,
    risk_level: RiskLevel | str = RiskLevel.NONE,
    evidence: Iterable[str] = (),
    now: datetime | None = None,
) -> HandoffView:
    """Queues the conversation; a handoff already open only gains risk level and evidence."""
    now = now or utc_now()
    reason, risk_level = HandoffReason(reason), RiskLevel(risk_level)
    conversation = lock_conversation(session, conversation_id, now)
    conversation.risk_level = RiskLevel.highest(conversation.risk_level, risk_level)
    handoff = _open_handoff(session, conversation_id)
    if handoff is None:
        handoff = Handoff(
            conversation_id=conversation_id,
            status=HandoffStatus.WAITING,
            reason=reason,
            risk_level=risk_level,
            evidence=json.dumps(_merged([], evidence)),
            requested_at=now,
        )
        session.add(handoff)
    else:
        handoff.risk_level = RiskLevel.highest(handoff.risk_level, risk_level)
        handoff.evidence = json.dumps(_merged(_evidence(handoff.evidence), evidence))
    session.flush()
    return _views(session, Handoff.id == handoff.id)[0]


def queue(session: Session) -> list[QueueEntry]:
    """Returns the waiting handoffs, most urgent first, then longest waiting first."""
    rows = session.execute(
        sa.select(Handoff, Conversation.country, Conversation.age_band)
        .join(Conversation, Conversation.sender_id == Handoff.conversation_id)
        .where(Handoff.status == HandoffStatus.WAITING)
        .order_by(*_QUEUE_ORDER)
    )
    return [
        QueueEntry(
            handoff_id=handoff.id,
            conversation_id=handoff.conversation_id,
            risk_level=RiskLevel(handoff.risk_level).value,
            reason=HandoffReason(handoff.reason).value,
            evidence=_evidence(handoff.evidence),
            requested_at=handoff.requested_at,
            region=country,
            age_band=age_band.value if age_band else None,
            position=number,
        )
        for number, (handoff, country, age_band) in enumerate(rows, start=1)
    ]


def position(session: Session, conversation_id: str) -> int | None:
    """Returns the conversation's place in the queue (1 is next), or None if it is not waiting."""
    mine = session.execute(
        sa.select(Handoff.id, Handoff.requested_at, _URGENCY.label("urgency")).where(
            Handoff.conversation_id == conversation_id,
            Handoff.status == HandoffStatus.WAITING,
        )
    ).one_or_none()
    if mine is None:
        return None
    same_urgency_but_earlier = sa.and_(
        mine.urgency == _URGENCY,
        sa.or_(
            Handoff.requested_at < mine.requested_at,
            sa.and_(Handoff.requested_at == mine.requested_at, Handoff.id < mine.id),
        ),
    )
    ahead = session.scalar(
        sa.select(sa.func.count())
        .select_from(Handoff)
        .where(
            Handoff.status == HandoffStatus.WAITING,
            sa.or_(mine.urgency < _URGENCY, same_urgency_but_earlier),
        )
    )
    return ahead + 1


def claim(session: Session, handoff_id: int, counsellor_id: int, now: datetime | None = None) -> HandoffView:
    """Gives a waiting handoff to the counsellor; raises AlreadyClaimed if it is not waiting."""
    # One UPDATE guarded by the status, so of two counsellors claiming at once exactly one wins.
    claimed = session.execute(  # type: ignore[attr-defined]  # sqlalchemy2-stubs type this CursorResult as Result
        sa.update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.WAITING)
        .values(status=HandoffStatus.ACTIVE, counsellor_id=counsellor_id, claimed_at=now or utc_now())
        .execution_options(synchronize_session=False)
    ).rowcount
    views = _views(session, Handoff.id == handoff_id)
    if not views:
        raise LookupError(f"no handoff with id {handoff_id}")
    if not claimed:
        raise AlreadyClaimed(f"handoff {handoff_id} is {views[0].status}")
    return views[0]


def pick(session: Session, conversation_id: str, counsellor_id: int, now: datetime | None = None) -> HandoffView:
    """A counsellor takes a conversation nobody asked to hand off (a waiting one is claimed)."""
    waiting = request(session, conversation_id, HandoffReason.COUNSELLOR_PICKED, now=now)
    return claim(session, waiting.id, counsellor_id, now=now)


def _change_held(session: Session, conversation_id: str, holder_id: int, **changes) -> HandoffView:
    held = Handoff.status == HandoffStatus.ACTIVE, Handoff.counsellor_id == holder_id
    handoff_id = session.scalar(
        sa.select(Handoff.id).where(Handoff.conversation_id == conversation_id, *held).with_for_update()
    )
    changed = (
        handoff_id is not None
        and session.execute(  # type: ignore[attr-defined]  # sqlalchemy2-stubs type this CursorResult as Result
            sa.update(Handoff)
            .where(Handoff.id == handoff_id, *held)
            .values(**changes)
            .execution_options(synchronize_session=False)
        ).rowcount
    )
    if not changed:
        raise NotHeldBy(f"counsellor {holder_id} holds no handoff of this conversation")
    return _views(session, Handoff.id == handoff_id)[0]


class TransferRefused(ValueError):
    """The conversation cannot go to that account: it is not an active account with a console role."""


TAKES_CONVERSATIONS = set(AREA_ROLES["console"])


def transfer(session: Session, conversation_id: str, from_id: int, to_id: int) -> HandoffView:
    """Passes a live conversation from one counsellor to another active account with a console role."""
    to = session.get(User, to_id)
    if to is None or not to.active or UserRole(to.role) not in TAKES_CONVERSATIONS or to_id == from_id:
        raise TransferRefused(f"account {to_id} cannot take a conversation")
    return _change_held(session, conversation_id, from_id, counsellor_id=to_id)


def end(session: Session, conversation_id: str, counsellor_id: int, now: datetime | None = None) -> HandoffView:
    """Ends the counsellor's live handoff; the bot answers the conversation again."""
    return _change_held(session, conversation_id, counsellor_id, status=HandoffStatus.ENDED, ended_at=now or utc_now())


def active(session: Session, conversation_id: str) -> HandoffView | None:
    """Returns the conversation's waiting or active handoff, if it has one."""
    views = _views(session, Handoff.conversation_id == conversation_id, Handoff.status.in_(_OPEN))
    return views[0] if views else None


def live(session: Session) -> list[HandoffView]:
    """Returns every waiting and active handoff, oldest request first (for supervisors)."""
    return _views(session, Handoff.status.in_(_OPEN))


def add_note(
    session: Session,
    conversation_id: str,
    author_id: int,
    text: str,
    now: datetime | None = None,
) -> NoteView:
    """Adds a counsellor's note to the conversation."""
    note = CounsellorNote(conversation_id=conversation_id, author_id=author_id, text=text, created_at=now or utc_now())
    session.add(note)
    session.flush()
    return _notes(session, CounsellorNote.id == note.id)[0]


def notes(session: Session, conversation_id: str) -> list[NoteView]:
    """Returns the conversation's notes, oldest first."""
    return _notes(session, CounsellorNote.conversation_id == conversation_id)


def _notes(session: Session, *conditions) -> list[NoteView]:
    rows = session.execute(
        sa.select(CounsellorNote, User.name)
        .outerjoin(User, User.id == CounsellorNote.author_id)
        .where(*conditions)
        .order_by(CounsellorNote.created_at, CounsellorNote.id)
    )
    return [
        NoteView(
            id=note.id,
            conversation_id=note.conversation_id,
            author_id=note.author_id,
            author_name=name,
            text=note.text,
            created_at=note.created_at,
        )
        for note, name in rows
    ]

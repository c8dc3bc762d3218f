"""The audit log: one row per change to content, accounts or stored conversations."""

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry, User
from bot.store.utc import utc_now

# Written where the project itself acted (importing its bundled content, a scheduled job).
SYSTEM = "system"


@dataclass(frozen=True)
class Logged:
    at: datetime
    who: str
    action: str
    target: str
    detail: dict


def _values(user: User | Row | None, action: str, target: str, detail: dict) -> dict:
    return dict(
        at=utc_now(),
        user_id=user.id if user else None,
        user_name=user.name if user else SYSTEM,
        action=action,
        target=target,
        detail=json.dumps(detail, sort_keys=True, default=str),
    )


def record(session: Session, user: User | None, action: str, target: str, **detail) -> None:
    session.add(AuditEntry(**_values(user, action, target, detail)))


def record_in(connection: Connection, user_id: int | None, action: str, target: str, **detail) -> None:
    """The same, inside a Core transaction (jobs that work on tables without the ORM)."""
    user = connection.execute(sa.select(User.id, User.name).where(User.id == user_id)).first() if user_id else None
    connection.execute(sa.insert(AuditEntry.__table__).values(**_values(user, action, target, detail)))


def recent(
    session: Session, limit: int = 200, target: str | None = None, action_prefix: str | None = None
) -> list[Logged]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if target:
        # "response:utter_dont_pay" also finds its versions ("response:utter_dont_pay v3").
        query = query.where(sa.or_(AuditEntry.target == target, AuditEntry.target.startswith(target + " v")))
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix))
    return [
        Logged(row.at, row.user_name, row.action, row.target, json.loads(row.detail or "{}"))
        for row in session.scalars(query)
    ]

"""Deletes conversations and Rasa events once they are older than the retention period, or at once
when a child (or someone for them) asks; both are written to the audit log. Staff sign-ins that have ended
go at the same time."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot import settings
from bot.store import audit, sign_ins
from bot.store.db import make_engine
from bot.store.models import Conversation
from bot.store.rasa_events import events as rasa_events
from bot.store.utc import utc_now

logger = logging.getLogger(__name__)


def retention_period() -> timedelta:
    """Returns how long data is kept after a conversation's last activity."""
    return timedelta(days=settings.RETENTION_DAYS)


def _delete_events(connection: Connection, expired_senders: sa.sql.Select, now: datetime) -> None:
    connection.execute(sa.delete(rasa_events).where(rasa_events.c.sender_id.in_(expired_senders)))
    # Rasa also keeps events of senders the bot never recorded a conversation for.
    cutoff = (now - retention_period()).timestamp()
    stale_senders = (
        sa.select(rasa_events.c.sender_id)
        .group_by(rasa_events.c.sender_id)
        .having(sa.func.max(rasa_events.c.timestamp) < cutoff)
    )
    connection.execute(sa.delete(rasa_events).where(rasa_events.c.sender_id.in_(stale_senders)))


def delete_expired(engine: Engine, now: datetime | None = None) -> int:
    """Deletes all data that outlived retention and returns how many conversations went."""
    now = now or utc_now()
    is_expired = Conversation.delete_after <= now
    with engine.begin() as connection:
        if sa.inspect(connection).has_table(rasa_events.name):
            _delete_events(connection, sa.select(Conversation.sender_id).where(is_expired), now)
        deleted = connection.execute(sa.delete(Conversation.__table__).where(is_expired)).rowcount
        sign_ins.forget_finished(connection, now)
        if deleted:
            audit.record_in(
                connection,
                None,
                "retention.delete_expired",
                "conversations",
                deleted=deleted,
                retention_days=settings.RETENTION_DAYS,
            )
    logger.info("Retention deleted %d expired conversations", deleted)
    return deleted


def delete_conversation(engine: Engine, sender_id: str, user_id: int) -> bool:
    """Deletes one conversation now, with its transcript, handoffs, notes and Rasa events.

    Returns False when there is no such conversation (nothing is deleted, nothing audited).
    """
    with engine.begin() as connection:
        found = connection.execute(
            sa.delete(Conversation.__table__).where(Conversation.sender_id == sender_id)
        ).rowcount
        events = 0
        if sa.inspect(connection).has_table(rasa_events.name):
            events = connection.execute(sa.delete(rasa_events).where(rasa_events.c.sender_id == sender_id)).rowcount
        if not (found or events):
            return False
        audit.record_in(connection, user_id, "conversation.delete", f"conversation:{sender_id}", on_request=True)
    return True


def main() -> None:
    engine = make_engine()
    try:
        print(f"Deleted {delete_expired(engine)} expired conversations.")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()

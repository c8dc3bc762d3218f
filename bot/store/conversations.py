"""Records when a conversation is active and what the user told the bot about themselves."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.models import AgeBand, Conversation
from bot.store.retention import retention_period
from bot.store.utc import utc_now

# Both dialects offer INSERT ... ON CONFLICT, which makes a first sighting of the
# same sender by two processes at once a single atomic upsert instead of a race.
_UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _upsert_insert(session: Session):
    dialect = session.get_bind().dialect.name
    try:
        return _UPSERT_INSERTS[dialect]
    except KeyError:
        raise NotImplementedError(f"no upsert for the {dialect!r} database") from None


def record_activity(session: Session, sender_id: str, now: datetime | None = None) -> None:
    """Creates the conversation on first sight; moves last activity and retention limit to `now`."""
    now = now or utc_now()
    table = Conversation.__table__
    insert = _upsert_insert(session)(table).values(
        sender_id=sender_id,
        started_at=now,
        last_active_at=now,
        delete_after=now + retention_period(),
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.sender_id],
            set_={
                "last_active_at": insert.excluded.last_active_at,
                "delete_after": insert.excluded.delete_after,
            },
        )
    )


def update_profile(
    session: Session,
    sender_id: str,
    country: str | None = None,
    age_band: AgeBand | str | None = None,
    now: datetime | None = None,
) -> None:
    """Records activity, then sets the given profile fields; None leaves a field as it is."""
    changes = {}
    if country is not None:
        changes["country"] = country
    if age_band is not None:
        changes["age_band"] = AgeBand(age_band)
    record_activity(session, sender_id, now)
    if changes:
        session.execute(
            sa.update(Conversation)
            .where(Conversation.sender_id == sender_id)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )

"""Declarative models of the bot's own tables (Rasa's `events` table is Rasa's)."""
import enum
from typing import Type

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

from bot.store.utc import UTCDateTime

Base = declarative_base()


class ConversationStatus(str, enum.Enum):
    """Who is answering the conversation."""

    BOT = "bot"
    WAITING = "waiting"
    LIVE = "live"
    ENDED = "ended"


class RiskLevel(str, enum.Enum):
    """The highest risk to the user's safety seen in the conversation."""

    NONE = "none"
    CONCERN = "concern"
    HIGH = "high"
    IMMINENT = "imminent"


class AgeBand(str, enum.Enum):
    """The user's age group, which decides which services and wording fit."""

    CHILD = "child"
    TEEN = "teen"
    ADULT = "adult"


def _enum_type(enum_class: Type[enum.Enum], name: str) -> sa.Enum:
    # A VARCHAR with a CHECK constraint named `name` behaves the same on SQLite
    # and PostgreSQL, and needs no CREATE TYPE in migrations.
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Conversation(Base):
    """One Rasa conversation, keyed by Rasa's sender id, and when it must be deleted."""

    __tablename__ = "conversations"

    sender_id = sa.Column(sa.String(255), primary_key=True)
    started_at = sa.Column(UTCDateTime, nullable=False)
    last_active_at = sa.Column(UTCDateTime, nullable=False)
    country = sa.Column(sa.String(16))
    age_band = sa.Column(_enum_type(AgeBand, "age_band"))
    status = sa.Column(
        _enum_type(ConversationStatus, "conversation_status"),
        nullable=False,
        default=ConversationStatus.BOT,
        server_default=ConversationStatus.BOT.value,
    )
    risk_level = sa.Column(
        _enum_type(RiskLevel, "risk_level"),
        nullable=False,
        default=RiskLevel.NONE,
        server_default=RiskLevel.NONE.value,
    )
    delete_after = sa.Column(UTCDateTime, nullable=False, index=True)

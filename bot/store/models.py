"""Declarative models of the bot's own tables (Rasa's `events` table is Rasa's)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, declarative_base

from bot.store.utc import UTCDateTime
from bot.vocabulary import AgeBand, RiskLevel, UserRole

Base = declarative_base()


class ConversationStatus(str, enum.Enum):
    """Who is answering the conversation: read from its open handoff (`Conversation.status`), never stored."""

    BOT = "bot"
    WAITING = "waiting"
    LIVE = "live"


class Speaker(str, enum.Enum):
    """Who wrote a message of the transcript."""

    CHILD = "child"
    BOT = "bot"
    COUNSELLOR = "counsellor"
    SYSTEM = "system"


class HandoffStatus(str, enum.Enum):
    """Where a request for a counsellor is: in the queue, taken, or over."""

    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


class HandoffReason(str, enum.Enum):
    """Why a conversation was passed to a counsellor."""

    RISK = "risk"
    CHILD_ASKED = "child_asked"
    COUNSELLOR_PICKED = "counsellor_picked"


def _enum_type(enum_class: type[enum.Enum], name: str, length: int = 16) -> sa.Enum:
    # A VARCHAR with a CHECK constraint named `name` behaves the same on SQLite
    # and PostgreSQL, and needs no CREATE TYPE in migrations.
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Conversation(Base):
    """One Rasa conversation, keyed by Rasa's sender id, and when it must be deleted."""

    __tablename__ = "conversations"

    sender_id: Mapped[str] = sa.Column(sa.String(255), primary_key=True)
    started_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    last_active_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    country = sa.Column(sa.String(16))
    age_band: Mapped[AgeBand | None] = sa.Column(_enum_type(AgeBand, "age_band"))
    risk_level: Mapped[RiskLevel] = sa.Column(
        _enum_type(RiskLevel, "risk_level"),
        nullable=False,
        default=RiskLevel.NONE,
        server_default=RiskLevel.NONE.value,
    )
    delete_after: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, index=True)
    # Who is answering it, read from its open handoff: mapped below, after Handoff.
    status: Mapped[ConversationStatus]


class User(Base):
    """A counsellor's or staff member's account; the name is stored lower-case."""

    __tablename__ = "users"

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    name: Mapped[str] = sa.Column(sa.String(64), nullable=False, unique=True)
    # The first or chosen name a child sees when this person joins ("Sam"); never the sign-in name.
    display_name = sa.Column(sa.String(40))
    role: Mapped[UserRole] = sa.Column(_enum_type(UserRole, "user_role"), nullable=False)
    password_hash: Mapped[str] = sa.Column(sa.String(255), nullable=False)
    active: Mapped[bool] = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    failed_logins: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = sa.Column(UTCDateTime)


class SignIn(Base):
    """One signed-in browser of an account. The cookie holds a random token; only its SHA-256 is kept here, so
    the table alone signs nobody in. Signing out, or the account being disabled, ends it at once."""

    __tablename__ = "sign_ins"

    token_hash: Mapped[str] = sa.Column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = sa.Column(
        sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    started_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, index=True)
    ended_at: Mapped[datetime | None] = sa.Column(UTCDateTime)


class Message(Base):
    """One message of a conversation's transcript, numbered 1, 2, 3... by `seq`."""

    __tablename__ = "messages"
    # The (conversation_id, seq) constraint's index also serves lookups by conversation.
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        sa.UniqueConstraint("conversation_id", "client_id", name="uq_messages_conversation_client_id"),
    )

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = sa.Column(
        sa.String(255),
        sa.ForeignKey("conversations.sender_id", ondelete="CASCADE"),
        nullable=False,
    )
    seq: Mapped[int] = sa.Column(sa.Integer, nullable=False)
    speaker: Mapped[Speaker] = sa.Column(_enum_type(Speaker, "speaker"), nullable=False)
    text: Mapped[str] = sa.Column(sa.Text, nullable=False)
    buttons = sa.Column(sa.Text)  # JSON list of {"title", "payload"}
    # The id the child's browser gave the message, so a resent message is stored once.
    client_id = sa.Column(sa.String(64))
    counsellor_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    risk_level: Mapped[RiskLevel | None] = sa.Column(_enum_type(RiskLevel, "risk_level"))
    risk_evidence = sa.Column(sa.Text)  # JSON
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    # A child's message awaiting the bot's answer: by then it is answered, or another web app instance answers it
    # (the one that took it may have stopped). None once answered, or when no bot answer is due.
    reply_due_by: Mapped[datetime | None] = sa.Column(UTCDateTime, index=True)


_HANDOFF_IS_OPEN = "status IN ('waiting', 'active')"


class Handoff(Base):
    """A conversation's request for a counsellor, from the queue until it ends."""

    __tablename__ = "handoffs"
    # A conversation is in the queue or with a counsellor at most once at a time.
    __table_args__ = (
        sa.Index(
            "uq_handoffs_one_open_per_conversation",
            "conversation_id",
            unique=True,
            postgresql_where=sa.text(_HANDOFF_IS_OPEN),
            sqlite_where=sa.text(_HANDOFF_IS_OPEN),
        ),
    )

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    conversation_id: Mapped[str] = sa.Column(
        sa.String(255),
        sa.ForeignKey("conversations.sender_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    status: Mapped[HandoffStatus] = sa.Column(_enum_type(HandoffStatus, "handoff_status"), nullable=False)
    reason: Mapped[HandoffReason] = sa.Column(_enum_type(HandoffReason, "handoff_reason", length=32), nullable=False)
    risk_level: Mapped[RiskLevel] = sa.Column(
        _enum_type(RiskLevel, "risk_level"),
        nullable=False,
        default=RiskLevel.NONE,
        server_default=RiskLevel.NONE.value,
    )
    evidence = sa.Column(sa.Text)  # JSON list of the words that raised the risk
    requested_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    claimed_at: Mapped[datetime | None] = sa.Column(UTCDateTime)
    counsellor_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = sa.Column(UTCDateTime)


class CounsellorNote(Base):
    """A counsellor's note on a conversation, never shown to the child."""

    __tablename__ = "counsellor_notes"

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    conversation_id: Mapped[str] = sa.Column(
        sa.String(255),
        sa.ForeignKey("conversations.sender_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    author_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = sa.Column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)


class ContentKind(str, enum.Enum):
    """What a piece of editable content is: a bot response or a service of the facts file."""

    RESPONSE = "response"
    SERVICE = "service"


class VersionStatus(str, enum.Enum):
    """Where a version of a piece of content is in the two-person review."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class ContentItem(Base):
    """One response (by name) or one service (by facts file id) that staff can edit."""

    __tablename__ = "content_items"
    __table_args__ = (sa.UniqueConstraint("kind", "key", name="uq_content_items_kind_key"),)

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    kind: Mapped[ContentKind] = sa.Column(_enum_type(ContentKind, "content_kind"), nullable=False)
    key: Mapped[str] = sa.Column(sa.String(128), nullable=False)
    # Responses: the domain file's topic ("blackmail"); services: the region ("uk").
    topic: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    # The version children see now (no foreign key: the two tables point at each other).
    live_version_id = sa.Column(sa.Integer)


class ContentVersion(Base):
    """One version of a content item: its whole body as JSON, who wrote, reviewed and published it."""

    __tablename__ = "content_versions"
    __table_args__ = (sa.UniqueConstraint("item_id", "number", name="uq_content_versions_item_number"),)

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    item_id: Mapped[int] = sa.Column(sa.Integer, sa.ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = sa.Column(sa.Integer, nullable=False)
    status: Mapped[VersionStatus] = sa.Column(_enum_type(VersionStatus, "version_status"), nullable=False)
    body: Mapped[str] = sa.Column(sa.Text, nullable=False)  # JSON: a response's variants, or a service entry
    note: Mapped[str] = sa.Column(sa.Text, nullable=False, default="")
    # The live version number this one was written from, and the one it restores after a rollback.
    based_on = sa.Column(sa.Integer)
    restores = sa.Column(sa.Integer)
    author_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    reviewer_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = sa.Column(UTCDateTime)
    review_note = sa.Column(sa.Text)
    publisher_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = sa.Column(UTCDateTime)


class ContentRelease(Base):
    """Everything children are shown, as one JSON snapshot, each time something is published."""

    __tablename__ = "content_releases"

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    created_at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = sa.Column(sa.Text, nullable=False)
    snapshot: Mapped[str] = sa.Column(sa.Text, nullable=False)


class AuditEntry(Base):
    """Who did what to content, accounts or conversations, and when. Never holds a child's words."""

    __tablename__ = "audit_log"

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    at: Mapped[datetime] = sa.Column(UTCDateTime, nullable=False, index=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as written, so the log still says who it was if the account is renamed or removed.
    user_name: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    action: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    target: Mapped[str] = sa.Column(sa.String(255), nullable=False)
    detail: Mapped[str] = sa.Column(sa.Text, nullable=False, default="")


# A conversation's status is its open handoff's, named for the conversation; loaded with the conversation in the
# same query, so it is there after the session closes.
Conversation.status = column_property(  # type: ignore[assignment]  # the stubs type the mapped result, not the property
    sa.type_coerce(
        sa.func.coalesce(
            sa.select(
                sa.case(
                    (Handoff.status == HandoffStatus.WAITING, ConversationStatus.WAITING.value),
                    else_=ConversationStatus.LIVE.value,
                )
            )
            .where(Handoff.conversation_id == Conversation.sender_id, Handoff.status != HandoffStatus.ENDED)
            .scalar_subquery(),
            ConversationStatus.BOT.value,
        ),
        _enum_type(ConversationStatus, "conversation_status"),
    )
)

"""Create the users, messages, handoffs and counsellor_notes tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RISK_LEVELS = ("none", "concern", "high", "imminent")
HANDOFF_IS_OPEN = "status IN ('waiting', 'active')"


def _enum(name: str, *values: str, length: int = 16) -> sa.Enum:
    # Frozen copy of the model's enum type: a migration must not change when the model does.
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _conversation_id() -> sa.Column:
    return sa.Column(
        "conversation_id",
        sa.String(255),
        sa.ForeignKey("conversations.sender_id", ondelete="CASCADE"),
        nullable=False,
    )


def _user_id(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "role", _enum("user_role", "counsellor", "supervisor", "staff", "admin"), nullable=False
        ),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _conversation_id(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column(
            "speaker", _enum("speaker", "child", "bot", "counsellor", "system"), nullable=False
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("buttons", sa.Text),
        sa.Column("client_id", sa.String(64)),
        _user_id("counsellor_id"),
        sa.Column("risk_level", _enum("risk_level", *RISK_LEVELS)),
        sa.Column("risk_evidence", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        sa.UniqueConstraint(
            "conversation_id", "client_id", name="uq_messages_conversation_client_id"
        ),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        _conversation_id(),
        sa.Column(
            "status", _enum("handoff_status", "waiting", "active", "ended"), nullable=False
        ),
        sa.Column(
            "reason",
            _enum("handoff_reason", "risk", "child_asked", "counsellor_picked", length=32),
            nullable=False,
        ),
        sa.Column(
            "risk_level", _enum("risk_level", *RISK_LEVELS), nullable=False, server_default="none"
        ),
        sa.Column("evidence", sa.Text),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        _user_id("counsellor_id"),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"])
    op.create_index(
        "uq_handoffs_one_open_per_conversation",
        "handoffs",
        ["conversation_id"],
        unique=True,
        postgresql_where=sa.text(HANDOFF_IS_OPEN),
        sqlite_where=sa.text(HANDOFF_IS_OPEN),
    )
    op.create_table(
        "counsellor_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        _conversation_id(),
        _user_id("author_id"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_counsellor_notes_conversation_id", "counsellor_notes", ["conversation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_counsellor_notes_conversation_id", table_name="counsellor_notes")
    op.drop_table("counsellor_notes")
    op.drop_index("uq_handoffs_one_open_per_conversation", table_name="handoffs")
    op.drop_index("ix_handoffs_conversation_id", table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_table("messages")
    op.drop_table("users")

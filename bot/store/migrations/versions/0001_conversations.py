"""Create the conversations table.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _enum(name: str, *values: str) -> sa.Enum:
    # Frozen copy of the model's enum type: a migration must not change when the model does.
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("country", sa.String(16)),
        sa.Column("age_band", _enum("age_band", "child", "teen", "adult")),
        sa.Column(
            "status",
            _enum("conversation_status", "bot", "waiting", "live", "ended"),
            nullable=False,
            server_default="bot",
        ),
        sa.Column(
            "risk_level",
            _enum("risk_level", "none", "concern", "high", "imminent"),
            nullable=False,
            server_default="none",
        ),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversations_delete_after", "conversations", ["delete_after"])


def downgrade() -> None:
    op.drop_index("ix_conversations_delete_after", table_name="conversations")
    op.drop_table("conversations")

"""Add messages.reply_due_by: when a child's message should have had the bot's answer, so another web app instance
answers it if the one that took it stopped before it could.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("reply_due_by", sa.DateTime(timezone=True)))
    op.create_index("ix_messages_reply_due_by", "messages", ["reply_due_by"])


def downgrade() -> None:
    op.drop_index("ix_messages_reply_due_by", table_name="messages")
    op.drop_column("messages", "reply_due_by")

"""Drop conversations.status: a conversation's status is read from its open handoff (bot/store/models.py), so the
two can no longer drift apart.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_STATUSES = ("bot", "waiting", "live", "ended")


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint("conversation_status", type_="check")
        batch.drop_column("status")


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="bot"))
        batch.create_check_constraint("conversation_status", sa.column("status").in_(_STATUSES))
    op.execute(
        "UPDATE conversations SET status = CASE (SELECT h.status FROM handoffs h"
        " WHERE h.conversation_id = conversations.sender_id AND h.status IN ('waiting', 'active'))"
        " WHEN 'waiting' THEN 'waiting' WHEN 'active' THEN 'live' ELSE 'bot' END"
    )

"""Create the content_items, content_versions, content_releases and audit_log tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _enum(name: str, *values: str, length: int = 16) -> sa.Enum:
    # Frozen copy of the model's enum type: a migration must not change when the model does.
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _user_id(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"))


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "content_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", _enum("content_kind", "response", "service"), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("live_version_id", sa.Integer),
        sa.UniqueConstraint("kind", "key", name="uq_content_items_kind_key"),
    )
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "item_id", sa.Integer, sa.ForeignKey("content_items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column(
            "status",
            _enum("version_status", "draft", "in_review", "approved", "published", "discarded"),
            nullable=False,
        ),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("based_on", sa.Integer),
        sa.Column("restores", sa.Integer),
        _user_id("author_id"),
        _time("created_at"),
        _time("updated_at"),
        _user_id("reviewer_id"),
        _time("reviewed_at", nullable=True),
        sa.Column("review_note", sa.Text),
        _user_id("publisher_id"),
        _time("published_at", nullable=True),
        sa.UniqueConstraint("item_id", "number", name="uq_content_versions_item_number"),
    )
    op.create_table(
        "content_releases",
        sa.Column("id", sa.Integer, primary_key=True),
        _time("created_at"),
        _user_id("user_id"),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        _time("at"),
        _user_id("user_id"),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("content_releases")
    op.drop_table("content_versions")
    op.drop_table("content_items")

"""The migrations build, remove and rebuild the schema on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.store import migrate
from bot.store.db import make_engine
from bot.store.models import Base
from tests.store.databases import run_command


def _tables(url: str) -> set:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revision(url: str):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


NEW_IN_0002 = {"users", "messages", "handoffs", "counsellor_notes"}
NEW_IN_0003 = {"content_items", "content_versions", "content_releases", "audit_log"}
NEW_IN_0004 = {"sign_ins"}
HEAD = "0007"


def test_upgrade_downgrade_upgrade(database_url):
    migrate.upgrade(database_url)
    assert {"conversations", *NEW_IN_0002, *NEW_IN_0003, *NEW_IN_0004} <= _tables(database_url)
    assert _revision(database_url) == HEAD

    migrate.downgrade(database_url, revision="base")
    assert "conversations" not in _tables(database_url)
    assert _revision(database_url) is None

    migrate.upgrade(database_url)
    assert _revision(database_url) == HEAD


def test_0002_adds_its_tables_to_a_database_with_conversations(database_url):
    migrate.upgrade(database_url, revision="0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO conversations"
                    " (sender_id, started_at, last_active_at, delete_after)"
                    " VALUES ('kept', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        migrate.upgrade(database_url)
        assert _tables(database_url) >= NEW_IN_0002

        migrate.downgrade(database_url, revision="0001")
        assert _tables(database_url) & NEW_IN_0002 == set()
        assert _revision(database_url) == "0001"
        with engine.connect() as connection:
            kept = connection.execute(sa.text("SELECT sender_id FROM conversations")).scalars()
            assert list(kept) == ["kept"]
    finally:
        engine.dispose()


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


def test_risk_level_check_constraint_rejects_unknown_values(engine):
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO conversations"
                " (sender_id, started_at, last_active_at, delete_after, risk_level)"
                " VALUES ('x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
                " 'nonsense')"
            )
        )


def test_0007_both_ways_keeps_the_handoffs_and_going_back_writes_each_status_from_them(database_url):
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for sender_id in ("chatting", "queued", "talking", "was_talking"):
                connection.execute(
                    sa.text(
                        "INSERT INTO conversations (sender_id, started_at, last_active_at, delete_after)"
                        " VALUES (:id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": sender_id},
                )
            for sender_id, status in (("queued", "waiting"), ("talking", "active"), ("was_talking", "ended")):
                connection.execute(
                    sa.text(
                        "INSERT INTO handoffs (conversation_id, status, reason, requested_at)"
                        " VALUES (:id, :status, 'risk', CURRENT_TIMESTAMP)"
                    ),
                    {"id": sender_id, "status": status},
                )
        migrate.downgrade(database_url, revision="0006")
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT sender_id, status FROM conversations ORDER BY sender_id"))
            assert dict(rows.all()) == {"chatting": "bot", "queued": "waiting", "talking": "live", "was_talking": "bot"}

        # SQLite rebuilds the table both ways; the handoffs pointing at it must survive.
        migrate.upgrade(database_url)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM handoffs")).scalar() == 3
    finally:
        engine.dispose()


def test_command_line(database_url):
    def run(*args: str) -> str:
        return run_command("bot.store", database_url, *args, check=True).stdout

    run("upgrade")
    assert f"{HEAD} (head)" in run("current")
    run("downgrade", "base")
    assert "conversations" not in _tables(database_url)

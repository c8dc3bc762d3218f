"""Alembic environment: migrates the database named by migrate.py, or settings.DATABASE_URL."""

from alembic import context

from bot import settings
from bot.store.db import make_engine
from bot.store.models import Base

config = context.config


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    # Rasa creates and owns `events`; autogenerate must not offer to drop it.
    return not (type_ == "table" and reflected and compare_to is None)


def run_migrations_online() -> None:
    engine = make_engine(config.attributes.get("database_url") or settings.DATABASE_URL)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # Batch mode rebuilds a table by copying it and dropping the old one; with foreign keys on, the drop
                # would cascade and delete every row that points at it (a conversation's messages and handoffs).
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                # The pragma began a transaction (a future engine); the migrations run in their own.
                connection.commit()  # type: ignore[attr-defined]  # the stubs know only the legacy Connection
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                include_object=include_object,
                # SQLite cannot ALTER most things; batch mode copies the table instead.
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()

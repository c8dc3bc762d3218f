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

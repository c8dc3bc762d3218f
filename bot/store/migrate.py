"""Runs the Alembic migrations of bot/store/migrations on DATABASE_URL, with no alembic.ini."""

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

from bot import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Alembic keeps the running migration in module globals (alembic.context, alembic.op): two threads of one
# process migrating at once would mix their databases up (the tests start servers on a background thread).
_one_at_a_time = threading.Lock()


def alembic_config(url: str | None = None) -> Config:
    """Returns an Alembic config for our migrations; env.py reads the URL from its attributes."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # An attribute, not a main option, so a password with "%" needs no escaping.
    config.attributes["database_url"] = url or settings.DATABASE_URL
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrates the database up to `revision`."""
    with _one_at_a_time:
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, *, revision: str) -> None:
    """Migrates the database down to `revision` ("base" removes every table of ours)."""
    with _one_at_a_time:
        command.downgrade(alembic_config(url), revision)


def current(url: str | None = None) -> None:
    """Prints the revision the database is at."""
    with _one_at_a_time:
        command.current(alembic_config(url))

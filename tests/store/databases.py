"""What storage tests do to a test database: migrate it and open it, or run one of our commands against it."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.store import migrate
from bot.store.db import make_engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An engine on the database migrated to the newest revision, disposed of afterwards."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def run_command(
    module: str, database_url: str, *args: str, input: str | None = None, check: bool = False
) -> subprocess.CompletedProcess:
    """Runs `python -m module args` as an operator would, on the given database."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        input=input,
        capture_output=True,
        text=True,
        check=check,
    )

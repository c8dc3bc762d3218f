"""Creates SQLAlchemy engines for DATABASE_URL and scopes ORM sessions to one transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session

from bot import settings


def ensure_sqlite_folder(url: str | URL) -> None:
    """Creates the folder of a SQLite database file, because SQLite will not."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _set_sqlite_pragmas(dbapi_connection, _connection_record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores FOREIGN KEY clauses unless each connection switches them on.
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead logging: readers no longer wait for a writer (Rasa's tracker store writes to the same file),
    # and a commit is one append and fsync instead of a journal round trip, about 7x faster here. It is kept in
    # the file, so Rasa's own connections use it too. Still a full fsync per commit: a stored message stays stored.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_file_pool(url: URL) -> dict:
    """For a SQLite file, a pool of open connections (SQLAlchemy 1.4 opens a new one for each session, and runs
    the pragmas above each time); what SQLAlchemy 2.0 does by default. A connection may move between the web
    app's threads, never used by two at once."""
    if url.get_backend_name() != "sqlite" or (url.database or ":memory:") == ":memory:":
        return {}
    return {"poolclass": sa.pool.QueuePool, "connect_args": {"check_same_thread": False}}


def make_engine(url: str | URL | None = None) -> Engine:
    """Returns an engine for `url`, or for settings.DATABASE_URL when it is None."""
    url = make_url(url or settings.DATABASE_URL)
    ensure_sqlite_folder(url)
    engine = sa.create_engine(url, future=True, **_sqlite_file_pool(url))
    if url.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Yields a session that commits when the block ends and rolls back if it raises."""
    with Session(engine, future=True) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

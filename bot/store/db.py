"""Creates SQLAlchemy engines for DATABASE_URL and scopes ORM sessions to one transaction."""
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Union

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session

from bot import settings


def ensure_sqlite_folder(url: Union[str, URL]) -> None:
    """Creates the folder of a SQLite database file, because SQLite will not."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _enable_sqlite_foreign_keys(dbapi_connection, _connection_record) -> None:
    # SQLite ignores FOREIGN KEY clauses unless each connection switches them on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: Optional[Union[str, URL]] = None) -> Engine:
    """Returns an engine for `url`, or for settings.DATABASE_URL when it is None."""
    url = make_url(url or settings.DATABASE_URL)
    ensure_sqlite_folder(url)
    engine = sa.create_engine(url, future=True)
    if url.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _enable_sqlite_foreign_keys)
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

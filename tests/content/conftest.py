"""Fixtures for the content tests that need a database: SQLite and PostgreSQL, through `database_url`.

`database_url` itself (one SQLite file, one fresh PostgreSQL database of the session's throwaway
cluster) comes from the tests.postgres_server plugin that tests/conftest.py loads.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from bot.content.published import PublishedContent
from bot.content.workflow import import_bundle
from bot.store import users
from bot.store.db import session_scope
from bot.store.users import create_user, disable
from tests.store.conftest import engine  # noqa: F401  (a migrated database with no content yet)

PASSWORD = "a long test password 1"


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The same database with the project's bundled content imported and published (release 1)."""
    with session_scope(engine) as session:
        import_bundle(session)
    return engine


@dataclass(frozen=True)
class People:
    """Account ids: two staff members (Ann writes, Bob reviews), an admin, and people who may not edit."""

    ann: int
    bob: int
    admin: int
    counsellor: int
    supervisor: int
    former_staff: int


@pytest.fixture
def people(engine: Engine, monkeypatch) -> People:
    # These tests are about who may do what, not password hashing (tests/store/test_users.py has that):
    # argon2 at its lowest cost saves about a minute of `make test` (six accounts for each of 64 tests).
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with session_scope(engine) as session:
        ids = {
            name: create_user(session, name, role, PASSWORD).id
            for name, role in (
                ("ann", "staff"),
                ("bob", "staff"),
                ("ada", "admin"),
                ("cal", "counsellor"),
                ("sue", "supervisor"),
                ("fay", "staff"),
            )
        }
        disable(session, ids["fay"])
    return People(ids["ann"], ids["bob"], ids["ada"], ids["cal"], ids["sue"], ids["fay"])


@pytest.fixture
def follower(tmp_path: Path) -> Iterator[Callable[..., PublishedContent]]:
    """Makes PublishedContent followers (not polling) and closes their engines after the test."""
    made: list[PublishedContent] = []

    def make(database_url: str, snapshot_file: Path = tmp_path / "snapshot.json") -> PublishedContent:
        content = PublishedContent(database_url, snapshot_file, poll_seconds=3600)
        made.append(content)
        return content

    yield make
    for content in made:
        content.stop()

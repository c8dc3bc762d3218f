"""Runs work in threads that start together, as several web app processes would."""

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine

from tests.store.databases import migrated_engine


def in_parallel(workers: int, work: Callable[[int], None]) -> list[Exception]:
    """Runs work(worker) for each worker at once; returns what the workers raised."""
    barrier = threading.Barrier(workers)
    errors = []

    def run(worker: int) -> None:
        try:
            barrier.wait(timeout=10)
            work(worker)
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(error)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def postgres_engine(postgres_database_url: str) -> Iterator[Engine]:
    """A migrated PostgreSQL engine: concurrent writers only matter there, SQLite has one."""
    with migrated_engine(postgres_database_url) as engine:
        yield engine

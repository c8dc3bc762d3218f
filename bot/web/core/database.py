"""The web app's database work: each piece in one transaction, in a worker thread, and on SQLite in turns."""

from collections.abc import Callable

from sqlalchemy import exc
from starlette.concurrency import run_in_threadpool

from bot.store.db import session_scope
from bot.web.core.db_turns import DatabaseTurns, Priority

# What "the database is away" looks like: no connection, a dropped one, no free connection in the pool.
DATABASE_AWAY = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


class Database:
    def __init__(self, engine):
        self.engine = engine
        self._turns = DatabaseTurns() if engine is not None and engine.dialect.name == "sqlite" else None

    async def run(self, work: Callable, *args, **kwargs):
        """Runs `work(session, ...)` in one transaction, in a worker thread."""
        return await self.in_turn(Priority.ORDINARY, work, *args, **kwargs)

    async def in_turn(self, priority: Priority, work: Callable, *args, **kwargs):
        """run(), with SQLite taking operations in order of `priority` (bot/web/core/db_turns.py)."""

        def work_in_a_transaction():
            with session_scope(self.engine) as session:
                return work(session, *args, **kwargs)

        if self._turns is None:
            return await run_in_threadpool(work_in_a_transaction)
        async with self._turns.turn(priority):
            return await run_in_threadpool(work_in_a_transaction)

    @property
    def crowded(self) -> bool:
        """Whether others wait for their turn at the database now (never on PostgreSQL, which takes no turns)."""
        return self._turns is not None and self._turns.queue_length > 0

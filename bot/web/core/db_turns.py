"""Turns at a SQLite database: one operation at a time, in order of priority, then of arrival.

SQLite lets one connection write at a time, and a writer that finds the file busy sleeps and tries again: forty
threads doing that in a crowd made each other wait for seconds. Taking turns in the event loop is faster. And in a
crowd, what puts a child at risk in front of a counsellor (their message, the queue the consoles are sent) must
not wait behind everyone's ordinary replies. PostgreSQL needs none of this.
"""

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import IntEnum


class Priority(IntEnum):
    QUEUE = 0  # reading the counsellors' queue to send it to the consoles
    RISK = 1  # a child's message that reads as a risk
    ORDINARY = 2  # everything else


class DatabaseTurns:
    def __init__(self):
        self._busy = False
        self._waiting: list[tuple[int, int, asyncio.Future]] = []  # (priority, arrival, future): a heap
        self._arrival = itertools.count()

    @property
    def queue_length(self) -> int:
        return len(self._waiting)

    @asynccontextmanager
    async def turn(self, priority: Priority = Priority.ORDINARY) -> AsyncIterator[None]:
        if self._busy:
            future = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (priority, next(self._arrival), future))
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._hand_on()  # it was handed the turn just as it was cancelled
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._hand_on()

    def _hand_on(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():  # a waiter that was cancelled is skipped
                future.set_result(None)
                return  # still busy: the turn is theirs now
        self._busy = False

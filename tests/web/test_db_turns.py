"""Turns at SQLite (bot/web/core/db_turns.py): one at a time, by priority then arrival; a waiter that gives up does not
stop the others."""

import asyncio

import pytest

from bot.web.core.db_turns import DatabaseTurns, Priority


def run(coroutine):
    return asyncio.run(coroutine)


async def take_turns(turns: DatabaseTurns, requests, log, hold=0.01):
    async def one(name, priority):
        async with turns.turn(priority):
            log.append(("in", name))
            await asyncio.sleep(hold)
            log.append(("out", name))

    tasks = []
    for name, priority in requests:
        tasks.append(asyncio.create_task(one(name, priority)))
        await asyncio.sleep(0)  # arrive in this order
    await asyncio.gather(*tasks, return_exceptions=True)
    return tasks


def test_one_at_a_time_in_order_of_arrival():
    log = []
    run(take_turns(DatabaseTurns(), [(n, Priority.ORDINARY) for n in "abcd"], log))
    assert log == [(step, n) for n in "abcd" for step in ("in", "out")]


def test_the_queue_then_risk_go_before_every_ordinary_one_waiting_but_after_the_one_inside():
    log = []
    ordinary, risk, queue = Priority.ORDINARY, Priority.RISK, Priority.QUEUE
    run(
        take_turns(
            DatabaseTurns(),
            [
                ("a", ordinary),
                ("b", ordinary),
                ("risk 1", risk),
                ("c", ordinary),
                ("queue", queue),
                ("risk 2", risk),
                ("d", ordinary),
            ],
            log,
        )
    )
    assert [name for step, name in log if step == "in"] == ["a", "queue", "risk 1", "risk 2", "b", "c", "d"]
    assert all(log[i][1] == log[i + 1][1] for i in range(0, len(log), 2))  # never two inside at once


def test_a_waiter_that_is_cancelled_does_not_hold_up_the_rest():
    async def scenario():
        turns, log = DatabaseTurns(), []

        async def one(name):
            async with turns.turn():
                log.append(name)
                await asyncio.sleep(0.02)

        first = asyncio.create_task(one("first"))
        await asyncio.sleep(0)
        gives_up = asyncio.create_task(one("gives up"))
        last = asyncio.create_task(one("last"))
        await asyncio.sleep(0)
        gives_up.cancel()
        await asyncio.wait_for(asyncio.gather(first, last), timeout=2)
        with pytest.raises(asyncio.CancelledError):
            await gives_up
        async with turns.turn():  # free again
            log.append("after")
        return log

    assert run(scenario()) == ["first", "last", "after"]

"""Servers the run will need, started in the background while the quick tests run.

Each Rasa server takes 35 s or more to load its model, mostly on one core; the quick tests use about one core
too. So the root conftest puts the end-to-end tests last and starts, one after another on a background thread,
the servers of every session- or module-wide fixture that the collected tests need. A fixture then takes its
servers from here, waiting for them if they are still starting (or starting them then, if nothing began them).
"""

from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, TypeVar


class Stoppable(Protocol):
    def stop(self) -> None: ...


Started = TypeVar("Started", bound=Stoppable)

_starters: dict[str, Callable[[], Stoppable]] = {}
_background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="early-start")
_begun: dict[str, Future[Stoppable]] = {}


def register(fixture_name: str) -> Callable[[Callable[[], Started]], Callable[[], Started]]:
    """Decorates the function that starts the named fixture's servers and returns them answering."""

    def registered(start: Callable[[], Started]) -> Callable[[], Started]:
        _starters[fixture_name] = start
        return start

    return registered


def begin_for(fixture_names: Iterable[str]) -> None:
    """Begins, in the background, the registered servers of every fixture named."""
    for name in fixture_names:
        if name in _starters and name not in _begun:
            _begun[name] = _background.submit(_starters[name])


def take(fixture_name: str) -> Stoppable:
    """The fixture's servers once they answer (or their start's error); started now if not begun."""
    begun = _begun.pop(fixture_name, None)
    return begun.result() if begun is not None else _starters[fixture_name]()


def serve(fixture_name: str) -> Generator[Stoppable, None, Stoppable]:
    """The body of the named fixture: yields its servers to the tests, stops them after, and returns them (for a
    fixture that cleans up more: `servers = yield from early_start.serve(name)`)."""
    started = take(fixture_name)
    try:
        yield started
    finally:
        started.stop()
    return started


def stop_untaken() -> None:
    """Stops what was begun but never taken: a run that ended early must leave no server behind."""
    for begun in _begun.values():
        if begun.exception() is None:
            begun.result().stop()
    _begun.clear()

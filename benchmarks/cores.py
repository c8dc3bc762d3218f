"""`make bench` with `--rasa-cores`: the Rasa servers on cores of their own, everything else (web apps, action
servers, PostgreSQL, Redis, nginx and the load itself) on the others, as when Rasa and the web tier run on
separate machines or pods. Both paths of a measure then have the same cores for Rasa: the ratio shows the delay
the web app adds, not the CPU it takes from a Rasa sharing its cores."""

import contextlib
import os
from collections.abc import Iterable

import psutil

from bot.launch import Servers


def parse_cores(text: str) -> set[int]:
    """ "0" or "0,1" or "0-2" -> the cores; refused unless at least one core is left for the rest."""
    cores: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        cores.update(range(int(first), int(last or first) + 1))
    if not cores or not cores < set(range(os.cpu_count() or 1)):
        raise ValueError(f"--rasa-cores {text!r}: name some of this machine's {os.cpu_count()} cores, not all")
    return cores


def _pin(process: psutil.Process, cores: set[int]) -> None:
    # Linux sets affinity per thread: each thread TensorFlow or PostgreSQL has already started is moved too.
    for thread in process.threads():
        with contextlib.suppress(ProcessLookupError, PermissionError):  # a thread that has just ended
            os.sched_setaffinity(thread.id, cores)


def _tree(pid: int) -> Iterable[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def pin_rasa_apart(servers: Servers, rasa_cores: set[int]) -> str:
    """Pins every process of the setup and this one; returns a line for the notes."""
    rest = set(range(os.cpu_count() or 1)) - rasa_cores
    for server in servers.servers:
        if server.process is None:
            continue
        cores = rasa_cores if server.name.startswith("Rasa server") else rest
        for process in _tree(server.process.pid):
            _pin(process, cores)
    _pin(psutil.Process(), rest)
    return (
        f"Rasa servers on cores {sorted(rasa_cores)}; web apps, action servers, databases, nginx and the load "
        f"on cores {sorted(rest)}"
    )

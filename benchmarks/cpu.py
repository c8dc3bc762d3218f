"""The CPU time each part of a setup spends per reply, so a ratio against bare Rasa says where the difference went:
on a machine whose cores all parts share, every millisecond the web app spends is one Rasa cannot."""

import re
from collections import Counter

import psutil

from bot.launch import Servers


def _part(server_name: str) -> str:
    return re.sub(r"\s+\d+$", "", server_name)  # "Rasa server 2" counts as "Rasa server"


def cpu_seconds(servers: Servers) -> Counter:
    """User and system CPU seconds so far of each kind of server, with every process it started: PostgreSQL's
    backends and nginx's workers, including those that have exited (counted in their parent)."""
    totals: Counter = Counter()
    for server in servers.servers:
        if server.process is None:
            continue
        try:
            root = psutil.Process(server.process.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in tree:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            totals[_part(server.name)] += times.user + times.system + times.children_user + times.children_system
    return totals


def per_reply(before: Counter, after: Counter, replies: int) -> dict[str, float]:
    """Milliseconds of CPU per reply of each part, most first."""
    spent = {part: (after[part] - before[part]) * 1000 / replies for part in after}
    return dict(sorted(((part, ms) for part, ms in spent.items() if ms >= 0.05), key=lambda item: -item[1]))


def describe(spent: dict[str, float]) -> str:
    parts = ", ".join(f"{part} {ms:.0f}" for part, ms in spent.items())
    return f"{sum(spent.values()):.0f} ({parts})"

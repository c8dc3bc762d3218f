"""Where the time goes: py-spy records the running servers under the web app load of 10 concurrent conversations,
writes collapsed stacks (`--format raw`, which speedscope.app and flamegraph.pl open) to results/profile/, and
prints the functions with the most own time (the leaf of each sample) per process.

`python -m benchmarks.profile` starts a single instance and profiles it; `python -m benchmarks.web --profile` runs it
after the single-instance figures.
"""

import asyncio
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from benchmarks.load import through_web_app
from bot import settings

PY_SPY = str(Path(sys.executable).parent / "py-spy")
OUT_DIR = settings.PROJECT_ROOT / "results" / "profile"
RATE = 100  # samples per second
TOP = 15


def own_time(raw_file: Path) -> Counter:
    """Samples per leaf function ("name (file)") in a py-spy raw file: lines of `frame;frame;...;leaf count`."""
    leaves: Counter = Counter()
    for line in raw_file.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            leaf = stack.rsplit(";", 1)[-1]
            leaves[re.sub(r":\d+\)$", ")", leaf)] += int(count)
    return leaves


def report(name: str, raw_file: Path, seconds: float) -> list[str]:
    leaves = own_time(raw_file)
    busy = sum(leaves.values())
    lines = [
        f"\n{name}: {busy} busy samples in {seconds:.0f} s at {RATE}/s "
        f"(about {busy / (RATE * seconds):.0%} of one core on Python threads; {raw_file})"
    ]
    lines += [f"  {count / busy:6.1%}  {leaf}" for leaf, count in leaves.most_common(TOP)] if busy else []
    return lines


async def profile(web_url: str, pids: dict[str, int], conversations: int = 10, rounds: int = 3) -> list[str]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    files = {name: OUT_DIR / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.txt" for name in pids}
    spies = [
        subprocess.Popen(
            [
                PY_SPY,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--function",
                "--nonblocking",
                "--rate",
                str(RATE),
                "--output",
                str(files[name]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]
    try:
        await asyncio.sleep(2)  # attached
        started = asyncio.get_running_loop().time()
        result = await through_web_app(web_url, conversations, rounds)
        seconds = asyncio.get_running_loop().time() - started
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        for spy in spies:
            try:
                spy.wait(timeout=60)
            except subprocess.TimeoutExpired:
                spy.kill()
    lines = [
        f"profiled {result['count']} replies, {conversations} at once, through the web app: "
        f"p95 {result['p95']:.0f} ms, {result['per_second']:.1f} replies/s (py-spy attached)"
    ]
    for name, path in files.items():
        lines += report(name, path, seconds) if path.exists() else [f"{name}: py-spy wrote nothing"]
    return lines


def main() -> None:
    from benchmarks.web import single_instance  # benchmarks.web runs this module's profile() with --profile

    with single_instance() as setup:
        assert setup.servers.web_url is not None  # the single instance has a web app
        for line in asyncio.run(profile(setup.servers.web_url, setup.pids)):
            print(line)


if __name__ == "__main__":
    main()

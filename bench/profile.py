"""A sampling profile of each service process while it is loaded (py-spy, when installed:
`make bench` runs with `uv run --with py-spy`, not a product dependency).

The summary says how busy each process was (samples of a thread running Python code or
waiting for a CPU to run it, per second of wall clock: 1.0 = one core's worth; on a loaded
machine more than the CPU it got) and in which functions and packages that time went.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

RATE = 50  # samples per second
TOP = 8


class Profiler:
    def __init__(self, pids: dict[str, int], seconds: float, names: tuple[str, ...] = ()) -> None:
        wanted = names or ("intake", "classifier", "notifier", "archive")
        self.pids = {name: pid for name, pid in pids.items() if name in wanted}
        self.seconds = seconds
        self.folder = Path(tempfile.mkdtemp(prefix="bench-profile-"))
        self.running: dict[str, asyncio.subprocess.Process] = {}
        self.missing = shutil.which("py-spy") is None

    async def __aenter__(self) -> Profiler:
        if self.missing:
            return self
        for name, pid in self.pids.items():
            self.running[name] = await asyncio.create_subprocess_exec(
                *("py-spy", "record", "-p", str(pid), "-d", str(int(self.seconds))),
                *("-r", str(RATE), "-f", "raw", "--nolineno", "--nonblocking"),
                *("-o", str(self.folder / f"{name}.txt")),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        for process in self.running.values():
            try:
                await asyncio.wait_for(process.wait(), self.seconds + 15)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGINT)  # py-spy writes what it has on SIGINT
                await process.wait()

    def summary(self) -> dict[str, Any]:
        if self.missing:
            return {"note": "py-spy not installed: run with `uv run --with py-spy`"}
        found = {}
        for name in self.pids:
            output = self.folder / f"{name}.txt"
            if output.exists():
                found[name] = summarise(output.read_text(), self.seconds)
        shutil.rmtree(self.folder, ignore_errors=True)
        return found


def summarise(collapsed: str, seconds: float) -> dict[str, Any]:
    """From py-spy's collapsed stacks ("frame;frame;leaf count" a line): the busy share, and
    the functions and packages where the samples ended (self time)."""
    leaves: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples, frames = int(count), stack.split(";")
        total += samples
        leaves[frames[-1]] += samples
        packages[_package(frames[-1])] += samples
    share = {k: round(v / total, 3) for k, v in leaves.most_common(TOP)} if total else {}
    return {
        "busy_cores": round(total / (RATE * seconds), 2),
        "samples": total,
        "self_share": share,
        "self_share_by_package": (
            {k: round(v / total, 3) for k, v in packages.most_common(TOP)} if total else {}
        ),
    }


def _package(frame: str) -> str:
    """`function (path/to/package/module.py)` → the package (first path part)."""
    where = frame.rpartition("(")[2].rstrip(")")
    first = where.split("/", 1)[0]
    return first.removesuffix(".py") if first else where

"""End to end, all four services: latency at fixed offered rates (open loop) and the sustained
rate at saturation (a closed-loop backlog, timed over its steady middle).

Latency of a complaint = from intake's answer to its POST (202, the acceptance) to the stage
seeing it: classified (the ComplaintClassified record's broker timestamp), deadlines scheduled
(the notifier's committed offset passed that record) and archived (the archive's did; see
pipeline.py). A complaint not archived when the wait ends counts as missing (never faster).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import Counter
from typing import Any

from .load import Client, Submission, closed_loop, open_loop
from .metrics import histogram_totals, stage_times
from .pipeline import Phase, Progress
from .profile import Profiler
from .reused import CpuMeter, body
from .stats import latency_summary, steady_rate

STAGES = {"classified": "classified", "scheduled": "notifier", "archived": "archive"}


class Measured:
    """One phase's system, progress tracker, CPU meter and metric readings, started together."""

    def __init__(self, phase: Phase) -> None:
        self.phase = phase
        self.meter = CpuMeter()

    async def __aenter__(self) -> Measured:
        await asyncio.sleep(2)  # let the services settle after start-up
        self.at_rest = self.phase.memory()
        self.progress = await Progress(self.phase).__aenter__()
        self.meter.watch(self.phase.pids())
        self.meter.take()
        self.before = {name: histogram_totals(self.phase.url(name)) for name in STAGES_URLS}
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.progress.__aexit__(*exc)

    def client(self, limit: int) -> Client:
        headers = {"X-API-Key": self.phase.api_key, "Content-Type": "application/json"}
        return Client(f"{self.phase.url('intake')}/v1/complaints", headers, limit)

    async def settle(self, accepted: int, drain: float) -> dict[str, Any]:
        """Wait for the archive to take everything accepted (at most `drain` seconds), then
        read what the phase cost."""
        drained = await self.progress.wait("archive", accepted, drain)
        messages = await self.progress.messages()
        classified = len(self.progress.positions)
        cpu = self.meter.take()
        after = {name: histogram_totals(self.phase.url(name)) for name in STAGES_URLS}
        return {
            "drained": drained,
            "done": {stage: self.progress.total(group) for stage, group in STAGES.items()},
            "kafka_messages": messages,
            "classified_event_bytes": round(self.progress.classified_bytes / max(1, classified)),
            "cpu_seconds": cpu,
            "cpu_cores_used": {
                name: round(used / cpu["wall"], 2) for name, used in cpu.items() if name != "wall"
            },
            "memory_at_rest_mib": _mib(self.at_rest),
            "memory_peak_mib": _mib(self.progress.peak),
            "time_in_stages": {
                name: stage_times(self.before[name], after[name]) for name in STAGES_URLS
            },
        }


STAGES_URLS = ("intake", "classifier", "notifier", "archive")


def _mib(memory: dict[str, int]) -> dict[str, float]:
    return {name: round(rss / 2**20, 1) for name, rss in memory.items()}


def latencies(submitted: list[Submission], progress: Progress) -> dict[str, Any]:
    accepted = [s for s in submitted if s.complaint_id is not None]
    found = {"http": latency_summary([s.answered_at - s.due_at for s in submitted])}
    for stage, group in STAGES.items():
        at = progress.classified_at if stage == "classified" else progress.passed(group)
        found[stage] = latency_summary(
            [at.get(s.complaint_id, math.inf) - s.answered_at for s in accepted]  # type: ignore[arg-type]
        )
    return found


def rates(submitted: list[Submission], progress: Progress) -> dict[str, float | None]:
    accepted = sorted(s.answered_at for s in submitted if s.complaint_id is not None)
    curve = [(at, n + 1) for n, at in enumerate(accepted)]
    found = {"accepted": steady_rate(curve, len(accepted))}
    for stage, group in STAGES.items():
        found[stage] = steady_rate(progress.totals(group), len(accepted))
    return found


async def fixed_rate(phase: Phase, rate: float, seconds: float, drain: float) -> dict[str, Any]:
    """Open loop at `rate`/s for `seconds` (answers awaited for `drain` / 4 s more at most);
    latencies of every complaint."""
    count = max(1, round(rate * seconds))
    async with Measured(phase) as measured:
        client = measured.client(limit=512)
        submitted = await open_loop(client, lambda n: body("bench", n), count, rate, drain / 4)
        client.close()
        accepted = sum(1 for s in submitted if s.complaint_id is not None)
        cost = await measured.settle(accepted, drain)
        return {
            "offered_per_s": rate,
            "seconds": seconds,
            "submitted": count,
            "statuses": {str(k): v for k, v in Counter(s.status for s in submitted).items()},
            "latency": latencies(submitted, measured.progress),
            "rates_per_s": rates(submitted, measured.progress),
            **cost,
        }


async def saturation(
    phase: Phase, seconds: float, connections: int, drain: float, profile_seconds: float
) -> dict[str, Any]:
    """`connections` closed-loop clients for `seconds`, then the wait for the archive; each
    stage's steady rate (stats.steady_rate); a sampling profile of each service meanwhile."""
    async with Measured(phase) as measured:
        client = measured.client(limit=connections)
        profiler = Profiler(phase.pids(), seconds=profile_seconds)
        async with profiler:
            submitted = await closed_loop(client, lambda n: body("bench", n), seconds, connections)
            client.close()
            accepted = sum(1 for s in submitted if s.complaint_id is not None)
            cost = await measured.settle(accepted, drain)
        with contextlib.suppress(Exception):
            cost["profile"] = profiler.summary()
        return {
            "seconds": seconds,
            "connections": connections,
            "submitted": len(submitted),
            "statuses": {str(k): v for k, v in Counter(s.status for s in submitted).items()},
            "rates_per_s": rates(submitted, measured.progress),
            "latency": latencies(submitted, measured.progress),
            **cost,
        }

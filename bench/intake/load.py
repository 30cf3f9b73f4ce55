"""A lean HTTP/1.1 load generator (raw asyncio streams, keep-alive): it must cost far less CPU
than the server it measures, which httpx does not on a 2-core machine."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0


async def post_for(
    host: str,
    port: int,
    path: str,
    body: Callable[[int], bytes],
    headers: dict[str, str],
    *,
    seconds: float,
    concurrency: int,
) -> Load:
    """`concurrency` connections, each posting `body(n)` back to back for `seconds`."""
    load, counter, deadline = Load(), iter(range(10**9)), time.perf_counter() + seconds
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                data = body(next(counter))
                request = f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{head}"
                request += f"Content-Length: {len(data)}\r\n\r\n"
                started = time.perf_counter()
                writer.write(request.encode("ascii") + data)
                status = await _response(reader)
                load.latencies.append(time.perf_counter() - started)
                load.statuses[status] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    load.seconds = time.perf_counter() - started
    return load


async def _response(reader: asyncio.StreamReader) -> int:
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next(
        (int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length")),
        0,
    )
    await reader.readexactly(length)
    return status

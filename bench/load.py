"""Submissions over HTTP from a lean client (raw asyncio streams, keep-alive), so that the load
generator costs far less CPU than the intake it loads (httpx does not, on 2 cores).

Open loop (`rate`): request n is due at start + n/rate whatever the answers, each on a free
connection (a new one when none is free), so a slow system shows up as latency, not as a lower
offered rate. Closed loop (`rate=None`): `connections` clients back to back (saturation).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Submission:
    """One POST: when it was due (wall clock), when the answer came, what it said."""

    number: int
    due_at: float
    answered_at: float
    status: int
    complaint_id: str | None


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        length = next(
            (int(x.split(":", 1)[1]) for x in lines if x.lower().startswith("content-length:")),
            0,
        )
        return int(lines[0].split(" ", 2)[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


class Client:
    """POSTs to one URL over a pool of keep-alive connections (at most `limit` open)."""

    def __init__(self, url: str, headers: dict[str, str], limit: int) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = f"POST {parts.path} HTTP/1.1\r\nHost: {self.host}\r\n{lines}".encode()
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()
        self.opened, self.limit = 0, limit

    async def submit(self, number: int, body: bytes, due_at: float) -> Submission:
        connection = await self._connection()
        try:
            status, answer = await connection.post(self.head, body)
        except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError) as error:
            connection.close()
            self.opened -= 1
            if isinstance(error, asyncio.CancelledError):
                raise
            return Submission(number, due_at, time.time(), 0, None)
        self.idle.put_nowait(connection)
        found = json.loads(answer).get("complaint_id") if status in (200, 202) else None
        return Submission(number, due_at, time.time(), status, found)

    async def _connection(self) -> Connection:
        if self.idle.empty() and self.opened < self.limit:
            self.opened += 1
            return Connection(*await asyncio.open_connection(self.host, self.port))
        return await self.idle.get()

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().close()


async def open_loop(
    client: Client, body: Callable[[int], bytes], count: int, rate: float, patience: float
) -> list[Submission]:
    """`count` submissions, the n-th due at start + n/rate; those still unanswered `patience`
    seconds after the last was due are given up (status 0, answered at inf)."""
    started, wall = time.perf_counter(), time.time()
    pending = []
    for number in range(count):
        await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
        due = wall + number / rate
        pending.append(asyncio.create_task(client.submit(number, body(number), due)))
    await asyncio.wait(pending, timeout=patience)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return [
        task.result()
        if not task.cancelled()
        else Submission(number, wall + number / rate, math.inf, 0, None)
        for number, task in enumerate(pending)
    ]


async def closed_loop(
    client: Client, body: Callable[[int], bytes], seconds: float, connections: int
) -> list[Submission]:
    """`connections` clients, each sending as soon as answered, for `seconds`."""
    numbers, deadline = iter(range(10**9)), time.perf_counter() + seconds
    done: list[Submission] = []

    async def sender() -> None:
        while time.perf_counter() < deadline:
            number = next(numbers)
            done.append(await client.submit(number, body(number), time.time()))

    await asyncio.gather(*(sender() for _ in range(connections)))
    return done

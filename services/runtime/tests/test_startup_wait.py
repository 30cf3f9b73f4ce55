"""A service that starts while Kafka cannot be reached waits for it, for a while."""

import asyncio
import contextlib
import socket
import time

import pytest
from aiokafka.errors import KafkaConnectionError
from prometheus_client import CollectorRegistry

from complaint_runtime import ServiceSettings, make_broker, wait_for_kafka

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def kafka_reachable_after(delay: float, port: int, kafka_bootstrap: str):
    """Nothing listens on `port` for `delay` seconds; then it forwards to the real broker
    (which then answers with its own address, as a broker that came back would)."""
    host, kafka_port = kafka_bootstrap.split(",")[0].rsplit(":", 1)

    async def forward(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        kafka_r, kafka_w = await asyncio.open_connection(host, int(kafka_port))
        await asyncio.gather(pipe(client_r, kafka_w), pipe(kafka_r, client_w))

    servers: list[asyncio.Server] = []

    async def open_later() -> None:
        await asyncio.sleep(delay)
        servers.append(await asyncio.start_server(forward, "127.0.0.1", port))

    opening = asyncio.create_task(open_later())
    try:
        yield
    finally:
        opening.cancel()
        for server in servers:
            server.close()


def settings_for(port: int, wait: float) -> ServiceSettings:
    return ServiceSettings(
        kafka_bootstrap_servers=f"127.0.0.1:{port}", kafka_startup_wait_seconds=wait
    )


async def test_a_broker_that_comes_back_within_the_wait_is_waited_for(kafka_bootstrap) -> None:
    port = free_port()
    settings = settings_for(port, wait=30)
    async with kafka_reachable_after(2.0, port, kafka_bootstrap):
        started = time.monotonic()
        await wait_for_kafka(settings)
        waited = time.monotonic() - started
        broker = make_broker(settings, service="probe", registry=CollectorRegistry())
        await broker.start()
        try:
            assert await broker.ping(timeout=10)
        finally:
            await broker.stop()
    assert waited >= 2.0


async def test_a_broker_that_stays_away_ends_the_start_after_the_wait() -> None:
    started = time.monotonic()
    with pytest.raises(KafkaConnectionError):
        await wait_for_kafka(settings_for(free_port(), wait=2))
    assert 2.0 <= time.monotonic() - started < 15


def test_serve_exits_with_3_and_one_error_line_when_kafka_never_answers(caplog) -> None:
    from fastapi import FastAPI

    from complaint_runtime import serve

    with pytest.raises(SystemExit) as exited:
        serve(FastAPI(), settings_for(free_port(), wait=1))
    assert exited.value.code == 3
    (line,) = [r for r in caplog.records if r.name == "complaints.runtime"]
    assert (line.levelname, line.getMessage()) == ("ERROR", "Kafka did not answer at start-up")

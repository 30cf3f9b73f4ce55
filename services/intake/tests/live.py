"""Helpers for tests on the real stack: settings, keys, the service in-process or as a
process, and reading what it published."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from httpx import ASGITransport, AsyncClient
from pymongo import AsyncMongoClient

from complaint_events import (
    CLASSIFIED,
    ComplaintClassified,
    DecodeError,
    TopicSpec,
    decode,
    encode,
    headers_for,
    message_key,
    new_event,
    topic_name,
)
from complaint_intake.app import build
from complaint_intake.settings import IntakeSettings
from complaint_runtime.auth import digest

WRITER = "live-writer-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keys_file(directory: Path) -> Path:
    path = directory / "api-keys.yaml"
    entry = {"id": "live", "sha256": digest(WRITER), "scopes": ["write", "read"]}
    path.write_text(json.dumps({"keys": [entry]}), encoding="utf-8")  # JSON is YAML
    return path


def environment(settings: IntakeSettings) -> dict[str, str]:
    """The settings as the environment variables a service process reads."""
    values = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "MONGODB_DATABASE": settings.mongodb_database,
        "TOPIC_PREFIX": settings.topic_prefix,
        "HTTP_PORT": str(settings.http_port),
        "API_KEYS_FILE": str(settings.api_keys_file),
        "RATE_LIMIT": settings.rate_limit,
        "LOG_LEVEL": "WARNING",
        "CONSUMER_GROUP_PREFIX": settings.consumer_group_prefix,
        "INTAKE_NUMBER_BLOCK_SIZE": str(settings.number_block_size),
        "INTAKE_CONSUME_SUBMISSIONS": str(settings.consume_submissions).lower(),
    }
    return {**os.environ, **values}


@asynccontextmanager
async def in_process(settings: IntakeSettings) -> AsyncIterator[AsyncClient]:
    app = build(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://intake", timeout=60) as client,
    ):
        client.headers.update({"X-API-Key": WRITER, "content-type": "application/json"})
        yield client


@contextmanager
def service_process(settings: IntakeSettings, log: Path) -> Iterator[str]:
    """`complaint-intake` as its own OS process; yields its base URL once it is ready."""
    command = [sys.executable, "-c", "from complaint_intake.app import main; main()"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment(settings), stdout=output, stderr=output)
        url = f"http://127.0.0.1:{settings.http_port}"
        try:
            wait_ready(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_ready(url: str, process: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"intake exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"intake at {url} not ready after {limit}s")


def source() -> str:
    """A source system of one test's own, so tests sharing the run's topics never mix."""
    return f"it-{uuid.uuid4().hex[:8]}"


async def produce(
    bootstrap: str, topic: str, values: list[bytes], headers: list[tuple[str, bytes]] | None = None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = [await producer.send(topic, value, key=b"k", headers=headers) for value in values]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def read_events(
    bootstrap: str,
    spec: TopicSpec,
    prefix: str,
    wanted: Callable[[Any], bool],
    *,
    count: int,
    within: float = 60,
    settle: float = 0.0,
) -> list[Any]:
    """Decoded events of the topic that `wanted` picks, once `count` of them arrived (then
    `settle` seconds more, to see any extra ones); fails after `within` seconds."""
    consumer = AIOKafkaConsumer(
        topic_name(spec, prefix),
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = time.monotonic() + within
        enough_at: float | None = None
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                found += [e for e in map(decoded_or_none, records) if e and wanted(e)]
            if len(found) >= count:
                enough_at = enough_at or time.monotonic()
                if time.monotonic() - enough_at >= settle:
                    return found
        raise TimeoutError(f"{len(found)} of {count} events after {within}s")
    finally:
        await consumer.stop()


def decoded_or_none(record: Any) -> Any:
    """A test run's tests share its topics: skip the deliberately bad messages of others."""
    try:
        return decode(record.value, record.headers)
    except DecodeError:
        return None


async def classify(
    settings: IntakeSettings, complaint_id: str, policy_id: str, decision: str = "accept"
) -> None:
    """Publish the classifier's decision for the complaint and wait until intake took it."""
    acceptance: dict[str, Any] = {"decision": decision}
    if decision == "transfer":
        acceptance["transfer_to"] = "market_regulation"
    payload = ComplaintClassified.model_validate(
        {
            "policy_id": policy_id,
            "policy_version": "test",
            "severity": "general",
            "severity_rank": 0,
            "acceptance": acceptance,
        }
    )
    event = new_event(payload, producer="classifier", complaint_id=complaint_id)
    topic = topic_name(CLASSIFIED, settings.topic_prefix)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, encode(event), key=message_key(event), headers=headers_for(event)
        )
    finally:
        await producer.stop()
    client: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongodb_uri)
    try:
        lifecycle = client[settings.mongodb_database]["lifecycle"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if await lifecycle.find_one({"_id": complaint_id, "policy_id": policy_id}):
                return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"intake did not take the classification of {complaint_id}")
    finally:
        await client.close()

"""Fuzz the running intake process over HTTP from the OpenAPI document it serves.

schemathesis generates valid and invalid requests for every operation of `/openapi.json`
(with the API key, and without it for some invalid ones); intake runs as a process on the real
Kafka and MongoDB-protocol server, on topics and a database of its own. No request may get a
5xx, and every answer must match the document (status code, content type, body schema).
Every failure is collected, not only the first, and reported with the request that caused it.

`FUZZ_API_EXAMPLES` (default 40) sets the examples per operation and mode; `FUZZ_SEED`
replays a run (the seed is printed and named in the failure).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deploy.local.system import System, free_port, local_config
from deploy.local.topics import delete_topics, ensure_topics

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "40"))
SEED = int(os.environ.get("FUZZ_SEED", str(random.randrange(2**32))))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Intake:
    url: str
    api_key: str
    system: System


@pytest.fixture(scope="module")
async def intake(
    kafka_bootstrap: str, mongodb_uri: str, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Intake]:
    """Intake alone, on topics `apifuzz-<run>.` and database `intake_apifuzz_<run>` of its own
    (deleted and dropped afterwards)."""
    workdir = tmp_path_factory.mktemp("apifuzz")
    prefix, suffix = f"apifuzz-{run_id}.", f"_apifuzz_{run_id}"
    config = local_config(
        workdir,
        kafka=kafka_bootstrap,
        mongodb_uri=mongodb_uri,
        smtp_port=free_port(),
        hooks_url="http://127.0.0.1:9",
        topic_prefix=prefix,
        database_suffix=suffix,
    )
    await ensure_topics(kafka_bootstrap, prefix)
    system = System(
        config.env,
        workdir / "logs",
        ports={"intake": free_port()},
        names=("intake",),
        database_suffix=suffix,
    )
    try:
        system.start()
        yield Intake(system.url("intake"), config.api_key, system)
    finally:
        system.stop()
        await delete_topics(kafka_bootstrap, prefix)
        client: AsyncMongoClient[Any] = AsyncMongoClient(mongodb_uri)
        try:
            await client.drop_database(f"intake{suffix}")
        finally:
            await client.close()


def test_no_request_gets_a_server_error_and_every_answer_matches_the_document(
    intake: Intake,
) -> None:
    schema = schemathesis.openapi.from_url(f"{intake.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    session, failures, sent = requests.Session(), [], 0
    started = time.monotonic()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode.is_negative and not operation.path.startswith("/v1/"):
                continue  # a route without parameters or body cannot be called wrongly
            found, calls = _fuzz(operation, mode, intake, session)
            failures.extend(found)
            sent += calls
    elapsed = time.monotonic() - started
    print(f"\nseed {SEED}: {sent} requests to {len(operations)} operations in {elapsed:.0f}s")
    assert intake.system["intake"].running(), intake.system["intake"].tail()
    assert not failures, f"seed {SEED}: {len(failures)} failures:\n" + "\n\n".join(failures[:15])


def _fuzz(
    operation: Any, mode: GenerationMode, intake: Intake, session: requests.Session
) -> tuple[list[str], int]:
    """Send `EXAMPLES` generated requests; the failures (one per operation, mode and
    failed check) and how many requests were sent. Failures are kept, not raised, so
    hypothesis neither stops nor shrinks against the live service."""
    failures: dict[str, str] = {}
    calls = 0

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def send(data: st.DataObject) -> None:
        nonlocal calls
        case = data.draw(operation.as_strategy(generation_mode=mode))
        keyed = mode.is_positive or data.draw(st.booleans())
        headers = {"X-API-Key": intake.api_key} if keyed else None
        try:
            response = case.call(base_url=intake.url, session=session, headers=headers)
        except (ValueError, UnicodeError):
            return  # requests will not send it (e.g. a header value it cannot encode)
        calls += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                label = f"{operation.label} [{mode.value}] {type(failure).__name__}"
                failures.setdefault(label, f"{label}: {group}")

    send()
    return list(failures.values()), calls

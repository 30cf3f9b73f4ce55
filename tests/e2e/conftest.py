"""The end-to-end fixture: the four services as OS processes on the real Kafka and MongoDB.

`e2e_system` (session scope, shared by every e2e test module) starts intake, classifier,
notifier and archive with `deploy.local.system.System` and gives an `E2ESystem`
(`tests/e2e/support_e2e.py`):

- its own topic prefix (`e2e-<run id>.`, every catalogued topic created with `ensure_topics`,
  deleted afterwards) and database suffix (`_e2e_<run id>`, the four databases dropped
  afterwards), so nothing else on the shared stack sees its messages or data;
- `mailbox` (SMTP server) and `hooks` (webhook receiver, same secret as the notifier's
  `WEBHOOK_SECRET`, so `Hook.signature_valid` checks the real signatures);
- API keys by name in `keys` (`admin` with every scope, `reader`, `writer`, `privileged_only`;
  scopes in `SCOPES_OF_KEYS`), methods taking the key *name*;
- the policies folder: the six presets from `deploy/policies` plus `e2e-short`
  (`tests/e2e/data/policies/e2e-short`: one-minute clocks on the `always` calendar, reminder
  at 30 s, breach and escalation to `department_head` at 60 s, to `quality_director` at 75 s,
  an immediate report for `critical`); source systems map to policies by `POLICY_BY_SOURCE`
  (`e2e-short` → `e2e-short`, `e2e-hospital` → `hospital`, anything else: `retail-service`);
- helpers: `complaint(...)` builds a submission and records its personal data for the log
  scan, `submit` (HTTP), `publish_submission` (Kafka, shared codec), `command` (lifecycle),
  `poll`/`document`/`deadlines` (REST until a condition holds, failing with the last answer),
  `read_topic`/`events_of` (this run's events), `received_for` (a Kafka submission's receipt).

The log scan (`test_security.py::test_no_personal_data_in_service_logs`) is moved to the end
of the session by `pytest_collection_modifyitems`, so it covers every e2e complaint.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import yaml
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from deploy.local.system import (
    DEPLOY,
    NAMES,
    HookReceiver,
    Mailbox,
    System,
    free_port,
    local_config,
)
from deploy.local.topics import delete_topics, ensure_topics
from tests.e2e.support_e2e import SCOPES_OF_KEYS, E2ESystem

DATA = Path(__file__).parent / "data"
POLICY_BY_SOURCE = {"e2e-short": "e2e-short", "e2e-hospital": "hospital"}
EXTRA_ENV = {"LOG_LEVEL": "DEBUG", "NOTIFIER_DELIVERY_TRIES": "2"}
"""DEBUG: the log scan sees everything the services can log."""
RUNS_LAST = "test_no_personal_data_in_service_logs"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The log scan runs after every other test of the session."""
    items.sort(key=lambda item: item.name == RUNS_LAST)


def policies_dir(root: Path) -> Path:
    """The six presets and the e2e-short policy in one folder."""
    target = root / "policies"
    shutil.copytree(DEPLOY / "policies", target)
    shutil.copytree(DATA / "policies" / "e2e-short", target / "e2e-short")
    return target


def write_keys(path: Path) -> dict[str, str]:
    """An API keys file with one key per entry of SCOPES_OF_KEYS; returns name → key."""
    from complaint_runtime.auth import digest

    keys = {name: secrets.token_urlsafe(24) for name in SCOPES_OF_KEYS}
    entries = [
        {"id": f"e2e-{name}", "sha256": digest(keys[name]), "scopes": scopes}
        for name, scopes in SCOPES_OF_KEYS.items()
    ]
    path.write_text(yaml.safe_dump({"keys": entries}), encoding="utf-8")
    return keys


@pytest.fixture(scope="session")
async def e2e_system(
    kafka_bootstrap: str,
    mongodb_uri: str,
    run_id: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[E2ESystem]:
    workdir = tmp_path_factory.mktemp("e2e")
    prefix, suffix = f"e2e-{run_id}.", f"_e2e_{run_id}"
    mailbox = Mailbox().start()
    webhook_secret = f"e2e-webhook-secret-{run_id}-{'x' * 24}"
    hooks = HookReceiver(webhook_secret).start()
    keys_file = workdir / "e2e-api-keys.yaml"
    keys = write_keys(keys_file)
    config = local_config(
        workdir,
        kafka=kafka_bootstrap,
        mongodb_uri=mongodb_uri,
        smtp_port=mailbox.port,
        hooks_url=hooks.url,
        topic_prefix=prefix,
        database_suffix=suffix,
        api_key=keys["admin"],
        webhook_secret=webhook_secret,
        policy_by_source=POLICY_BY_SOURCE,
        policies_dir=policies_dir(workdir),
        extra=EXTRA_ENV | {"API_KEYS_FILE": str(keys_file)},
    )
    await ensure_topics(kafka_bootstrap, prefix)
    system = System(
        config.env,
        workdir / "logs",
        ports={name: free_port() for name in NAMES},
        database_suffix=suffix,
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:
        system.start()
        await producer.start()
        async with httpx.AsyncClient(timeout=30) as http:
            yield E2ESystem(
                system=system,
                config=config,
                bootstrap=kafka_bootstrap,
                topic_prefix=prefix,
                database_suffix=suffix,
                mailbox=mailbox,
                hooks=hooks,
                keys=keys,
                run_id=run_id,
                http=http,
                producer=producer,
            )
    finally:
        await producer.stop()
        system.stop()
        mailbox.stop()
        hooks.stop()
        await delete_topics(kafka_bootstrap, prefix)
        client: AsyncMongoClient = AsyncMongoClient(mongodb_uri)
        try:
            for name in NAMES:
                await client.drop_database(f"{name}{suffix}")
        finally:
            await client.close()

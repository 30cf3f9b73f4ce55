"""Where the tests find Kafka and MongoDB: one resolver, three sources, in this order.

1. `KAFKA_BOOTSTRAP_SERVERS` / `MONGODB_URI` from the environment (a stack someone runs for us);
2. testcontainers, when a Docker engine answers;
3. the project's local stack (`deploy/local/stack.py`), started here when it is not running.

When none of them can be had the resolver raises `InfraUnavailable` naming each failure: the
integration tests then error loudly instead of being skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK_SCRIPT = ROOT / "deploy" / "local" / "stack.py"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.7.1"
MONGO_IMAGE = "mongo:7.0"


class InfraUnavailable(RuntimeError):
    """No source could provide Kafka and MongoDB."""


@dataclass
class Infra:
    kafka_bootstrap: str
    mongodb_uri: str
    source: str
    cleanup: ExitStack = field(default_factory=ExitStack, repr=False)

    def close(self) -> None:
        self.cleanup.close()


def from_environment(env: Mapping[str, str]) -> Infra | None:
    kafka, mongo = env.get("KAFKA_BOOTSTRAP_SERVERS"), env.get("MONGODB_URI")
    if kafka and mongo:
        return Infra(kafka, mongo, "environment")
    if kafka or mongo:
        raise InfraUnavailable("set both KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI, or neither")
    return None


def docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def from_testcontainers() -> Infra:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    stack = ExitStack()
    kafka = stack.enter_context(KafkaContainer(KAFKA_IMAGE).with_kraft())
    mongo = stack.enter_context(MongoDbContainer(MONGO_IMAGE))
    infra = Infra(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")
    infra.cleanup = stack
    return infra


def stack_command(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(STACK_SCRIPT), action],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,  # a first start may build the MongoDB server (minutes on a loaded box)
    )


def from_local_stack(command: Callable[[str], subprocess.CompletedProcess[str]]) -> Infra:
    already_running = "running on" in command("status").stdout.split("\n")[0]
    started = command("up")
    if started.returncode != 0:
        raise InfraUnavailable(started.stderr.strip() or started.stdout.strip())
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in command("env").stdout.splitlines()
        if line.startswith("export ")
    )
    infra = Infra(exports["KAFKA_BOOTSTRAP_SERVERS"], exports["MONGODB_URI"], "local stack")
    if not already_running and os.environ.get("KEEP_STACK") != "1":
        infra.cleanup.callback(command, "down")
    return infra


def resolve_infra(
    env: Mapping[str, str] = os.environ,
    *,
    docker_check: Callable[[], bool] = docker_answers,
    containers: Callable[[], Infra] = from_testcontainers,
    local_stack: Callable[[], Infra] = lambda: from_local_stack(stack_command),
) -> Infra:
    """Reachable Kafka and MongoDB, or `InfraUnavailable` saying why each source failed."""
    found = from_environment(env)
    if found:
        return found
    failures = ["environment: KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI are not set"]
    if docker_check():
        try:
            return containers()
        except Exception as error:
            failures.append(f"testcontainers: {error}")
    else:
        failures.append("testcontainers: no Docker engine answers")
    try:
        return local_stack()
    except Exception as error:
        failures.append(f"local stack: {error}")
    raise InfraUnavailable("no Kafka/MongoDB for the tests; " + "; ".join(failures))

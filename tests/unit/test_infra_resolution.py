"""The test fixture's three sources, and that it fails loudly when none can be had."""

import subprocess

import pytest

from tests.support.infra import Infra, InfraUnavailable, from_local_stack, resolve_infra

pytestmark = pytest.mark.unit


def refuse() -> Infra:
    raise RuntimeError("cannot start")


def test_environment_variables_come_first() -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": "k:1", "MONGODB_URI": "mongodb://m:2/"}
    found = resolve_infra(env, docker_check=lambda: True, containers=refuse, local_stack=refuse)
    assert (found.kafka_bootstrap, found.mongodb_uri, found.source) == (
        "k:1",
        "mongodb://m:2/",
        "environment",
    )


def test_half_an_environment_is_an_error_not_a_guess() -> None:
    with pytest.raises(InfraUnavailable, match="both"):
        resolve_infra({"KAFKA_BOOTSTRAP_SERVERS": "k:1"}, local_stack=refuse)


def test_testcontainers_are_used_when_a_docker_engine_answers() -> None:
    containers = Infra("tc:1", "mongodb://tc:2/", "testcontainers")
    found = resolve_infra({}, docker_check=lambda: True, containers=lambda: containers)
    assert found is containers


def test_local_stack_when_there_is_no_docker_engine() -> None:
    local = Infra("127.0.0.1:19092", "mongodb://127.0.0.1:27117/", "local stack")
    found = resolve_infra({}, docker_check=lambda: False, local_stack=lambda: local)
    assert found is local


def test_no_source_at_all_fails_loudly_naming_every_attempt() -> None:
    with pytest.raises(InfraUnavailable) as raised:
        resolve_infra({}, docker_check=lambda: False, local_stack=refuse)
    message = str(raised.value)
    assert "environment" in message
    assert "no Docker engine answers" in message
    assert "local stack: cannot start" in message


def test_a_local_stack_that_cannot_start_reports_the_scripts_reason() -> None:
    def command(action: str) -> subprocess.CompletedProcess[str]:
        if action == "up":
            return subprocess.CompletedProcess([], 1, "", "stack: 'java' is not installed: ...")
        return subprocess.CompletedProcess([], 0, "kafka: stopped\nmongo: stopped\n", "")

    with pytest.raises(InfraUnavailable, match="'java' is not installed"):
        from_local_stack(command)


def test_a_stack_started_by_the_tests_is_stopped_by_them() -> None:
    calls: list[str] = []

    def command(action: str) -> subprocess.CompletedProcess[str]:
        calls.append(action)
        out = {
            "status": "kafka: stopped\n",
            "env": "export KAFKA_BOOTSTRAP_SERVERS=h:1\nexport MONGODB_URI=mongodb://h:2/\n",
        }.get(action, "")
        return subprocess.CompletedProcess([], 0, out, "")

    found = from_local_stack(command)
    assert found.kafka_bootstrap == "h:1"
    found.close()
    assert calls == ["status", "up", "env", "down"]

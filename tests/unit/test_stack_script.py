"""deploy/local/stack.py refuses clearly and starts nothing when it cannot do its job."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "local" / "stack.py"


def stack(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_port_in_use_stops_with_one_line_naming_the_port_and_the_variable(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = stack("up", "kafka", STACK_DIR=str(tmp_path), KAFKA_PORT=str(port))
    assert done.returncode == 1
    assert f"port {port} is in use" in done.stderr
    assert "KAFKA_PORT" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_missing_toolchain_is_named_with_what_to_install(tmp_path) -> None:
    done = stack(
        "up",
        "mongo",
        STACK_DIR=str(tmp_path),
        MONGO_PORT=str(free_port()),
        PATH=str(tmp_path),  # no go, no java, no mvn
    )
    assert done.returncode == 1
    assert "'go' is not installed" in done.stderr
    assert not list(tmp_path.glob("*/server.pid"))


def test_a_port_that_is_not_a_number_is_refused(tmp_path) -> None:
    done = stack("up", STACK_DIR=str(tmp_path), KAFKA_PORT="kafka")
    assert done.returncode == 1
    assert "KAFKA_PORT='kafka' is not a TCP port number" in done.stderr


def test_an_unknown_action_is_refused(tmp_path) -> None:
    done = stack("launch", STACK_DIR=str(tmp_path))
    assert done.returncode == 1
    assert "unknown action 'launch'" in done.stderr


def test_status_of_a_stack_never_started(tmp_path) -> None:
    done = stack("status", STACK_DIR=str(tmp_path))
    assert done.stdout.splitlines() == ["kafka: stopped", "mongo: stopped"]


def test_an_unknown_ferretdb_backend_is_refused_in_one_line(tmp_path) -> None:
    done = stack("up", "mongo", STACK_DIR=str(tmp_path), FERRETDB_BACKEND="mysql")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "stack: FERRETDB_BACKEND='mysql' is not one of: sqlite, postgresql"
    )


def test_missing_postgresql_programs_say_how_to_install_them_and_start_nothing(tmp_path) -> None:
    done = stack(
        "up",
        "mongo",
        STACK_DIR=str(tmp_path),
        FERRETDB_BACKEND="postgresql",
        POSTGRES_BIN_DIR=str(tmp_path),  # holds no initdb, pg_ctl, postgres, createdb
        POSTGRES_PORT=str(free_port()),
        MONGO_PORT=str(free_port()),
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert "apt-get install postgresql" in done.stderr
    assert not list(tmp_path.rglob("server.pid"))
    assert not (tmp_path / "data" / "postgres").exists()


def test_a_postgres_port_in_use_names_the_variable(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = stack(
            "up",
            "postgres",
            STACK_DIR=str(tmp_path),
            POSTGRES_PORT=str(port),
            FERRETDB_BACKEND="postgresql",
        )
    assert done.returncode == 1
    assert f"port {port} is in use" in done.stderr
    assert "POSTGRES_PORT" in done.stderr


def test_status_of_a_postgresql_backed_stack_lists_postgres_before_mongo(tmp_path) -> None:
    done = stack("status", STACK_DIR=str(tmp_path), FERRETDB_BACKEND="postgresql")
    assert done.stdout.splitlines() == ["kafka: stopped", "postgres: stopped", "mongo: stopped"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root chooses another user for PostgreSQL")
def test_root_as_the_postgres_user_is_refused(tmp_path) -> None:
    programs = tmp_path / "bin"
    programs.mkdir()
    for name in ("initdb", "pg_ctl", "postgres", "createdb"):
        (programs / name).write_text("")  # found, never run: the refusal comes first
    done = stack(
        "up",
        "postgres",
        STACK_DIR=str(tmp_path),
        FERRETDB_BACKEND="postgresql",
        POSTGRES_BIN_DIR=str(programs),
        POSTGRES_OS_USER="root",
        POSTGRES_PORT=str(free_port()),
    )
    assert done.returncode == 1
    assert "POSTGRES_OS_USER='root' is root, which PostgreSQL refuses" in done.stderr
    assert not (tmp_path / "data" / "postgres" / "PG_VERSION").exists()

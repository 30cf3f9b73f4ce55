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
        PATH=str(tmp_path),  # no cargo, no java, no mvn
    )
    assert done.returncode == 1
    assert "'cargo' is not installed: install Rust with cargo" in done.stderr
    assert not list(tmp_path.glob("*/server.pid"))


def test_provisioning_without_cargo_names_what_to_install_and_builds_nothing(tmp_path) -> None:
    done = stack("provision", "mongo", STACK_DIR=str(tmp_path), PATH=str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "stack: 'cargo' is not installed: install Rust with cargo (https://rustup.rs)"
    )
    assert not list(tmp_path.rglob("secantusd-rs*"))


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


def test_an_unknown_server_is_refused_in_one_line(tmp_path) -> None:
    done = stack("up", "postgres", STACK_DIR=str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip() == "stack: unknown server 'postgres': use kafka or mongo"


def test_a_missing_cmake_is_named_before_anything_is_built(tmp_path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "cargo").symlink_to("/bin/true")  # cargo present, cmake and cc not
    done = stack(
        "up", "mongo", STACK_DIR=str(tmp_path), PATH=str(tools), MONGO_PORT=str(free_port())
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == "stack: 'cmake' is not installed: install CMake (Debian: apt-get install cmake)"
    )
    assert not (tmp_path / "mongo" / "provision.log").exists()


def test_the_mongo_server_config_is_standalone_durable_and_quiet(tmp_path, monkeypatch) -> None:
    from deploy.local import stack as script

    monkeypatch.setattr(script, "STACK_DIR", tmp_path)
    server = script.MongoServer()
    server.home.mkdir(parents=True)
    server.prepare_data()
    config = server.config_file.read_text()
    assert "standalone = true" in config
    assert "sync_on_commit = true" in config
    assert 'log_level = "WARNING"' in config
    assert server.command() == [str(server.binary), "--config", str(server.config_file)]


def test_ping_is_false_where_nothing_answers() -> None:
    from deploy.local.stack import mongo_ping

    assert mongo_ping(free_port()) is False

"""stack.py provisions, starts, stops and deletes FerretDB's PostgreSQL backend for real.

Runs the installed PostgreSQL programs (skipped where there are none) on a free port, in a
STACK_DIR of its own, so it never touches the running stack.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "local" / "stack.py"
PG_CTL = shutil.which("pg_ctl") or next(
    iter(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")), None
)

if PG_CTL is None:
    pytest.skip("PostgreSQL is not installed", allow_module_level=True)
PROGRAMS = Path(PG_CTL).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def stack_dir() -> Iterator[Path]:
    """Under /tmp and enterable by every user: as root the server runs as another user."""
    folder = Path(tempfile.mkdtemp(prefix="stack-pg-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def stack(stack_dir: Path) -> Iterator:
    env = {
        **os.environ,
        "STACK_DIR": str(stack_dir),
        "FERRETDB_BACKEND": "postgresql",
        "POSTGRES_PORT": str(free_port()),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    run.port = int(env["POSTGRES_PORT"])  # type: ignore[attr-defined]
    yield run
    run("down", "postgres")


def sql(port: int, query: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(PROGRAMS / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "ferretdb"]
    return subprocess.run(
        [*cmd, "-d", "ferretdb", "-tAc", query], capture_output=True, text=True, check=False
    )


def test_up_makes_a_cluster_with_the_ferretdb_database_and_down_stops_it(stack) -> None:
    up = stack("up", "postgres")
    assert up.returncode == 0, up.stderr
    assert f"postgres: started on 127.0.0.1:{stack.port}" in up.stdout
    assert sql(stack.port, "SELECT current_database()").stdout.strip() == "ferretdb"

    again = stack("up", "postgres")
    assert "postgres: already running" in again.stdout

    down = stack("down")
    assert "postgres: stopped" in down.stdout
    assert stack("status").stdout.splitlines()[1] == "postgres: stopped"
    assert sql(stack.port, "SELECT 1").returncode != 0


def test_data_survives_a_restart_and_reset_deletes_it(stack, stack_dir) -> None:
    assert stack("up", "postgres").returncode == 0
    assert sql(stack.port, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)").returncode == 0
    stack("down", "postgres")
    restarted = stack("up", "postgres")
    assert "creating a cluster" not in restarted.stdout
    assert sql(stack.port, "SELECT n FROM kept").stdout.strip() == "7"

    reset = stack("reset")
    assert "postgres: stopped" in reset.stdout
    assert not (stack_dir / "data" / "postgres").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user")
def test_a_stack_dir_the_server_user_cannot_enter_is_refused_in_one_line(stack, stack_dir) -> None:
    stack_dir.chmod(0o700)
    done = stack("up", "postgres")
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert "cannot reach" in done.stderr
    assert "postgres: stopped" in stack("status").stdout

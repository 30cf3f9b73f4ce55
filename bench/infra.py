"""What the benchmark runs against: the local stack (started when it is not running, and then
stopped afterwards) or the servers named by KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI; and the
processes behind them, found by their listening port, for CPU and memory."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from deploy.local.system import ROOT

STACK = [sys.executable, str(ROOT / "deploy" / "local" / "stack.py")]


@dataclass
class Infra:
    kafka: str
    mongodb_uri: str
    started_stack: bool = False
    pids: dict[str, int] = field(default_factory=dict)
    private: dict[str, str] | None = None  # the environment of a private FerretDB's stack.py

    @property
    def ferretdb_backend(self) -> str:
        """The backend stack.py started FerretDB with (its record of it; sqlite by default)."""
        folder = Path(self.private["STACK_DIR"]) if self.private else ROOT / ".stack"
        record = folder / "mongo" / "backend"
        return record.read_text().strip() if record.exists() else "sqlite"

    def stop(self) -> None:
        """Stop the stack only when this run started it, and the private FerretDB if any."""
        if self.private is not None:
            subprocess.run([*STACK, "down", "mongo"], env=self.private, capture_output=True)
            shutil.rmtree(self.private["STACK_DIR"], ignore_errors=True)
        if self.started_stack:
            subprocess.run([*STACK, "down"], check=False, capture_output=True)


def infra(watch: dict[str, int] | None = None, ferretdb_backend: str | None = None) -> Infra:
    """The servers from the environment when both are set, else the local stack (`up`); with
    `ferretdb_backend`, a private FerretDB of that backend on free ports instead."""
    kafka, mongodb = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    started, private = False, None
    if ferretdb_backend:
        private = private_ferretdb(ferretdb_backend)
        mongodb = f"mongodb://127.0.0.1:{private['MONGO_PORT']}/"
        watch = {"postgres": int(private["POSTGRES_PORT"]), **(watch or {})}
    if not (kafka and mongodb):
        status = _stack("status")
        started = "running on" not in status.splitlines()[0]
        _stack("up")
        exports = (
            line.removeprefix("export ").split("=", 1) for line in _stack("env").splitlines()
        )
        found = dict(exports)
        kafka = kafka or found["KAFKA_BOOTSTRAP_SERVERS"]
        mongodb = mongodb or found["MONGODB_URI"]
    ports = {"kafka": _port(f"kafka://{kafka.split(',')[0]}"), "mongodb": _port(mongodb)}
    ports.update(watch or {})
    pids = {name: pid for name, port in ports.items() if (pid := listening_pid(port))}
    return Infra(kafka, mongodb, started, pids, private)


def private_ferretdb(backend: str) -> dict[str, str]:
    """FerretDB with `backend` (sqlite or postgresql) from stack.py in a folder of its own on
    free ports, its binary linked from the local stack's; the environment that controls it."""
    from deploy.local.system import free_port

    folder = Path(tempfile.mkdtemp(prefix="bench-ferretdb-"))
    folder.chmod(0o755)  # PostgreSQL runs as an unprivileged user that must reach its data
    binary = next((ROOT / ".stack" / "mongo").glob("ferretdb-v*"), None)  # built already
    if binary is not None:
        (folder / "mongo").mkdir()
        (folder / "mongo" / binary.name).symlink_to(binary)
    ports = ("MONGO_PORT", "FERRETDB_DEBUG_PORT", "POSTGRES_PORT")
    env = {**os.environ, "STACK_DIR": str(folder), "FERRETDB_BACKEND": backend}
    env.update({name: str(free_port()) for name in ports})
    done = subprocess.run([*STACK, "up", "mongo"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"private FerretDB ({backend}): {done.stderr.strip()}")
    return env


def _stack(action: str) -> str:
    done = subprocess.run([*STACK, action], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"stack {action}: {done.stderr.strip()}")
    return done.stdout


def _port(uri: str) -> int:
    return urlsplit(uri.split(",")[0]).port or 27017


def listening_pid(port: int) -> int | None:
    """The process listening on this TCP port on this machine (Linux /proc), if any."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            cells = row.split()
            if cells[3] == "0A" and int(cells[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(f"socket:[{cells[9]}]")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _holds(entry, inodes):
            return int(entry.name)
    return None


def _holds(process: Path, inodes: set[str]) -> bool:
    try:
        return any(os.readlink(fd) in inodes for fd in (process / "fd").iterdir())
    except OSError:
        return False


def rss_bytes(pid: int) -> int:
    """Resident memory of the process and its children (PostgreSQL's backends; their shared
    buffers counted in each), 0 when it is gone."""
    total = 0
    for member in family(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += next(
            (int(x.split()[1]) * 1024 for x in status.splitlines() if x[:6] == "VmRSS:"), 0
        )
    return total


def family(pid: int) -> list[int]:
    """The process and its children (one level: a server's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [pid, *(int(child) for child in children.read_text().split())]
    except OSError:
        return [pid]


def server_name(build_info: dict[str, Any]) -> str:
    """FerretDB answers buildInfo with a MongoDB version and its own."""
    if "ferretdbVersion" in build_info:
        return f"FerretDB {build_info['ferretdbVersion']} (MongoDB {build_info.get('version')})"
    return f"MongoDB {build_info.get('version')}"


def versions(servers: Infra) -> dict[str, str | None]:
    """The MongoDB-protocol server's name and version, and Kafka's (from its class path)."""
    from pymongo import MongoClient

    client: MongoClient[Any] = MongoClient(servers.mongodb_uri, serverSelectionTimeoutMS=10_000)
    try:
        mongodb = server_name(client.admin.command("buildInfo"))
        if mongodb.startswith("FerretDB") and servers.pids.get("mongodb"):  # one we started
            mongodb += f", {servers.ferretdb_backend} backend"
    finally:
        client.close()
    kafka = None
    if "kafka" in servers.pids:
        command = (
            Path(f"/proc/{servers.pids['kafka']}/cmdline").read_bytes().decode(errors="replace")
        )
        found = re.search(r"kafka[_-](?:\d+\.\d+-)?(\d+\.\d+\.\d+)", command)
        kafka = found.group(1) if found else None
    return {
        "kafka": f"{kafka or '?'} at {servers.kafka}",
        "mongodb": f"{mongodb} at {servers.mongodb_uri}",
    }


def machine() -> dict[str, object]:
    """The machine and the versions the numbers belong to."""
    from importlib.metadata import version

    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    cpu = next(
        (
            x.split(":", 1)[1].strip()
            for x in Path("/proc/cpuinfo").read_text().splitlines()
            if x.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(int(memory) / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": {
            name: version(name)
            for name in ("aiokafka", "pymongo", "faststream", "fastapi", "uvicorn", "pydantic")
        },
    }

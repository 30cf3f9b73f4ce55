"""What the benchmark runs against: the local stack (started when it is not running, and then
stopped afterwards) or the servers named by KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI; and the
processes behind them, found by their listening port, for CPU and memory."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
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
    local_mongodb: str | None = None  # the local stack's MongoDB URI when it is the one used

    def stop(self) -> None:
        """Stop the stack only when this run started it."""
        if self.started_stack:
            subprocess.run([*STACK, "down"], check=False, capture_output=True)


def infra(watch: dict[str, int] | None = None) -> Infra:
    """The servers from the environment when both are set, else the local stack (`up`)."""
    kafka, mongodb = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    started, local = False, None
    if not (kafka and mongodb):
        status = _stack("status")
        started = "running on" not in status.splitlines()[0]
        _stack("up")
        exports = (
            line.removeprefix("export ").split("=", 1) for line in _stack("env").splitlines()
        )
        found = dict(exports)
        kafka = kafka or found["KAFKA_BOOTSTRAP_SERVERS"]
        local = found["MONGODB_URI"]
        mongodb = mongodb or local
    ports = {"kafka": _port(f"kafka://{kafka.split(',')[0]}"), "mongodb": _port(mongodb)}
    ports.update(watch or {})
    pids = {name: pid for name, port in ports.items() if (pid := listening_pid(port))}
    return Infra(kafka, mongodb, started, pids, local if mongodb == local else None)


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
    """Resident memory of the process, 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(x.split()[1]) * 1024 for x in status.splitlines() if x[:6] == "VmRSS:"), 0)


def server_name(build_info: dict[str, Any], local_stack: bool = False) -> str:
    """What the server is, from its buildInfo: secantus-mdb names its own version beside the
    MongoDB version it answers as; any other server is named by that MongoDB version only
    (buildInfo cannot tell a mongod from another server speaking the protocol), and, when it
    is the local stack's, by the server the stack runs."""
    version = build_info.get("version")
    if "secantusVersion" in build_info:
        return f"secantus-mdb {build_info['secantusVersion']} (MongoDB {version})"
    if local_stack:
        from deploy.local.stack import MONGO_CRATE, MONGO_VERSION

        return f"{MONGO_CRATE} {MONGO_VERSION} (MongoDB {version})"
    return f"MongoDB-protocol server (MongoDB {version})"


def versions(servers: Infra) -> dict[str, str | None]:
    """The MongoDB-protocol server's name and version, and Kafka's (from its class path)."""
    from pymongo import MongoClient

    client: MongoClient[Any] = MongoClient(servers.mongodb_uri, serverSelectionTimeoutMS=10_000)
    try:
        local = servers.local_mongodb is not None
        mongodb = server_name(client.admin.command("buildInfo"), local)
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

"""The benchmark's infrastructure: a private Kafka and MongoDB-protocol server (or the shared
ones), intake as its own process, and a meter of the CPU time each of them uses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from complaint_runtime.auth import digest
from deploy.local.stack import MONGO_BUILD

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.py"
KAFKA_HOME = ROOT / ".stack" / "kafka" / "kafka-3.9.1"
MONGO_SERVER = ROOT / ".stack" / "mongo" / MONGO_BUILD
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    def __init__(self, directory: Path, *, shared: bool) -> None:
        self.directory, self.shared = directory / "stack", shared
        names = ("KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "MONGO_PORT")
        self.ports = {name: str(free_port()) for name in names}
        if shared:
            self.kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
            self.mongodb = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27117/")
        else:
            self.kafka = f"127.0.0.1:{self.ports['KAFKA_PORT']}"
            self.mongodb = f"mongodb://127.0.0.1:{self.ports['MONGO_PORT']}/"

    def __enter__(self) -> Stack:
        if not self.shared:
            for home, target in (("kafka", KAFKA_HOME), ("mongo", MONGO_SERVER)):
                (self.directory / home).mkdir(parents=True, exist_ok=True)
                (self.directory / home / target.name).symlink_to(target)
            self._stack("up")
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.shared:
            self._stack("down")

    def pids(self) -> dict[str, int]:
        """The private servers' process ids (none for the shared stack: others use it too)."""
        if self.shared:
            return {}
        return {
            name: int((self.directory / home / "server.pid").read_text())
            for name, home in (("kafka", "kafka"), ("mongo", "mongo"))
        }

    def _stack(self, action: str) -> None:
        env = {**os.environ, **self.ports, "STACK_DIR": str(self.directory)}
        subprocess.run(
            [sys.executable, str(STACK), action],
            env=env,
            check=True,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )


class IntakeProcess:
    """`complaint-intake` on a free port with its own database and this run's topic prefix."""

    def __init__(self, stack: Stack, directory: Path, prefix: str, key: str) -> None:
        keys = directory / "keys.json"
        entry = {"id": "bench", "sha256": digest(key), "scopes": ["write", "read"]}
        keys.write_text(json.dumps({"keys": [entry]}))
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": stack.kafka,
            "MONGODB_URI": stack.mongodb,
            "MONGODB_DATABASE": f"intake_{prefix.strip('.').replace('-', '_')}",
            "TOPIC_PREFIX": prefix,
            "HTTP_PORT": str(port),
            "API_KEYS_FILE": str(keys),
            "RATE_LIMIT": "1000000/second",
            "LOG_LEVEL": "WARNING",
        }
        self.log = directory / "intake.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> IntakeProcess:
        command = [sys.executable, "-c", "from complaint_intake.app import main; main()"]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(command, env=self.env, stdout=output, stderr=output)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"intake not ready; see {self.log}")

    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=60)


class CpuMeter:
    """CPU seconds (user + system) each watched process used since the last `take`."""

    def __init__(self) -> None:
        self.pids: dict[str, int] = {}
        self.last: dict[str, float] = {}
        self.wall = time.monotonic()

    def watch(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def take(self) -> dict[str, float]:
        now = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}
        used = {name: round(now[name] - self.last.get(name, 0.0), 2) for name in now}
        wall = time.monotonic()
        used["wall"] = round(wall - self.wall, 2)
        self.last, self.wall = now, wall
        return used


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS

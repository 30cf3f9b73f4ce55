"""`make run`: the whole system on this machine until Ctrl-C, then everything it started stops.

Starts the local stack (unless it already runs), creates the topics, starts each service as its
own process on its own port, waits until each is ready and prints where everything is.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from deploy.local.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[2]
STACK = [sys.executable, str(ROOT / "deploy" / "local" / "stack.py")]
BIN = Path(sys.executable).parent
LOGS = ROOT / ".stack" / "logs"


@dataclass
class Service:
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def executable(self) -> Path:
        return BIN / f"complaint-{self.name}"

    def available(self) -> bool:
        probe = [sys.executable, "-c", f"import complaint_{self.name}.app"]
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0

    def start(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = (LOGS / f"{self.name}.log").open("wb")
        return subprocess.Popen(
            [str(self.executable)],
            env={**env, "HTTP_PORT": str(self.port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


SERVICES = [
    Service("intake", 8001),
    Service("classifier", 8002),
    Service("notifier", 8003),
    Service("archive", 8004),
]


def stack(action: str) -> str:
    done = subprocess.run([*STACK, action], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(done.stderr.strip())
    return done.stdout


def stack_env() -> dict[str, str]:
    exports = (line.removeprefix("export ").split("=", 1) for line in stack("env").splitlines())
    return {**os.environ, **dict(exports)}


def wait_ready(service: Service, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{service.name} exited; see {LOGS / service.name}.log")
        if service.ready():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{service.name} not ready in {seconds:.0f}s; see {LOGS / service.name}.log")


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> int:
    started_stack = "running on" not in stack("status").splitlines()[0]
    print(stack("up").strip())
    env = stack_env()
    created = asyncio.run(
        ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"], env.get("TOPIC_PREFIX", ""))
    )
    print(f"topics: {len(created)} created")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for service in SERVICES:
            if not service.available():
                print(f"{service.name}: not built yet, skipped")
                continue
            proc = service.start(env)
            procs.append(proc)
            wait_ready(service, proc)
            print(f"{service.name}: ready at {service.url} (OpenAPI: {service.url}/docs)")
        print(f"Kafka: {env['KAFKA_BOOTSTRAP_SERVERS']}   MongoDB: {env['MONGODB_URI']}")
        print(f"service logs: {LOGS}/   Ctrl-C stops everything this command started")
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except RuntimeError as error:
        print(f"run: {error}", file=sys.stderr)
        return 1
    finally:
        stop(procs)
        if started_stack:
            print(stack("down").strip())
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    sys.exit(main())

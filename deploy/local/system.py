"""The four services as OS processes on this machine, as in production: one launcher for
`make run`, `make demo`, the end-to-end tests, the fault suite and the benchmarks.

`System` starts, kills, restarts and stops the processes; `local_config` writes what they need
to run locally (an API key with every scope, a notice directory whose webhooks point at a
receiver on loopback) and returns the environment; `Mailbox` and `HookReceiver` are that SMTP
server and webhook receiver, keeping what they were sent.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NAMES = ("intake", "classifier", "notifier", "archive")
DEFAULT_PORTS = {"intake": 8001, "classifier": 8002, "notifier": 8003, "archive": 8004}
ALL_SCOPES = ["read", "write", "privileged"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """An SMTP server on loopback (aiosmtpd) keeping every message it accepted."""

    def __init__(self, port: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def snapshot(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool

    def json(self) -> Any:
        return json.loads(self.body)


class HookReceiver:
    """A webhook endpoint on loopback that checks each call's HMAC signature and keeps it."""

    def __init__(self, secret: str, port: int | None = None) -> None:
        from complaint_notifier.adapters.webhook import SIGNATURE, TIMESTAMP, verify

        self.calls: list[Hook] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                valid = verify(
                    secret.encode(),
                    headers.get(TIMESTAMP.lower(), ""),
                    body,
                    headers.get(SIGNATURE.lower(), ""),
                    now=time.time(),
                )
                with receiver.lock:
                    receiver.calls.append(Hook(self.path, headers, body, valid))
                self.send_response(204 if valid else 401)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[Hook]:
        with self.lock:
            return list(self.calls)


@dataclass
class LocalConfig:
    """What `local_config` wrote and the environment every service gets."""

    env: dict[str, str]
    api_key: str
    webhook_secret: str
    directory: Path
    keys_file: Path
    database_suffix: str = ""


def local_config(
    workdir: Path,
    *,
    kafka: str,
    mongodb_uri: str,
    smtp_port: int,
    hooks_url: str,
    topic_prefix: str = "",
    database_suffix: str = "",
    api_key: str | None = None,
    webhook_secret: str | None = None,
    policy_by_source: Mapping[str, str] | None = None,
    policies_dir: Path | None = None,
    calendars_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> LocalConfig:
    """Write an API keys file (one key, every scope, any source system) and the notice
    directory with its webhooks on `hooks_url`, and return the services' environment.

    `database_suffix` keeps each service's database apart from other runs
    (`intake<suffix>`, ...); `topic_prefix` does the same for topics and consumer groups.
    """
    from complaint_runtime.auth import digest

    workdir.mkdir(parents=True, exist_ok=True)
    key = api_key or secrets.token_urlsafe(24)
    keys_file = workdir / "api-keys.yaml"
    keys = {"keys": [{"id": "local-admin", "sha256": digest(key), "scopes": ALL_SCOPES}]}
    keys_file.write_text(yaml.safe_dump(keys), encoding="utf-8")
    directory = workdir / "directory.yaml"
    directory.write_text(
        yaml.safe_dump(local_directory(hooks_url), allow_unicode=True), encoding="utf-8"
    )
    webhook_secret = webhook_secret or secrets.token_hex(32)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URI": mongodb_uri,
        "TOPIC_PREFIX": topic_prefix,
        "CONSUMER_GROUP_PREFIX": f"{topic_prefix}complaints",
        "API_KEYS_FILE": str(keys_file),
        "RATE_LIMIT": "100000/second",
        "WEBHOOK_SECRET": webhook_secret,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_TLS": "none",
        "DIRECTORY_FILE": str(directory),
        "PYTHONUNBUFFERED": "1",
    }
    if policy_by_source:
        env["CLASSIFIER_POLICY_BY_SOURCE"] = json.dumps(dict(policy_by_source))
    if policies_dir:
        env["POLICIES_DIR"] = str(policies_dir)
    if calendars_dir:
        env["CALENDARS_DIR"] = str(calendars_dir)
    env.update(extra or {})
    return LocalConfig(env, key, webhook_secret, directory, keys_file, database_suffix)


def local_directory(hooks_url: str) -> dict[str, Any]:
    """deploy/directory.yaml with every webhook moved to `hooks_url/<person>`: nothing leaves
    this machine."""
    directory: dict[str, Any] = yaml.safe_load((DEPLOY / "directory.yaml").read_text("utf-8"))
    for person_id, person in directory.get("people", {}).items():
        if person.get("webhook"):
            person["webhook"] = f"{hooks_url}/{person_id}"
    return directory


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-c", f"from complaint_{self.name}.app import main; main()"]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=output, stderr=output, start_new_session=True
            )
        self.starts += 1

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.running():
                code = None if self.process is None else self.process.returncode
                raise ServiceFailed(f"{self.name} exited ({code}); last log lines:\n{self.tail()}")
            if self.ready():
                return
            time.sleep(0.3)
        raise ServiceFailed(f"{self.name} not ready in {seconds:.0f}s; last lines:\n{self.tail()}")

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no commit, no clean-up."""
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self, grace: float = 30) -> None:
        self.signal(signal.SIGTERM)
        if self.process is None:
            return
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def rss_bytes(self) -> int:
        """Resident memory of the process (Linux /proc), 0 when it is not running."""
        if not self.running():
            return 0
        assert self.process is not None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


class ServiceFailed(RuntimeError):
    """A service process exited or did not become ready."""


@dataclass
class System:
    """The four services as processes; each gets `env`, its own port and its own database."""

    env: Mapping[str, str]
    logs: Path
    ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    names: Iterable[str] = NAMES
    per_service: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    database_suffix: str = ""
    services: dict[str, ServiceProcess] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.names:
            env = {
                **os.environ,
                **self.env,
                "MONGODB_DATABASE": f"{name}{self.database_suffix}",
                "HTTP_PORT": str(self.ports[name]),
                **self.per_service.get(name, {}),
            }
            self.services[name] = ServiceProcess(
                name, self.ports[name], env, self.logs / f"{name}.log"
            )

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def url(self, name: str) -> str:
        return self.services[name].url

    def start(self, ready_within: float = 120) -> System:
        """Start every service, then wait until each is ready; on failure stop them all."""
        try:
            for service in self.services.values():
                service.start()
            for service in self.services.values():
                service.wait_ready(ready_within)
        except BaseException:
            self.stop()
            raise
        return self

    def restart(self, name: str, ready_within: float = 120) -> None:
        service = self.services[name]
        if service.running():
            service.stop()
        service.start()
        service.wait_ready(ready_within)

    def stop(self) -> None:
        for service in self.services.values():
            service.signal(signal.SIGTERM)
        for service in self.services.values():
            service.stop()

    def memory(self) -> dict[str, int]:
        return {name: service.rss_bytes() for name, service in self.services.items()}

    def __enter__(self) -> System:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def wait_for(check: Any, seconds: float, every: float = 0.5) -> Any:
    """Await `check()` until it returns something truthy or `seconds` pass (then its last
    answer); for polling the services' APIs."""
    deadline = time.monotonic() + seconds
    while True:
        answer = await check()
        if answer or time.monotonic() >= deadline:
            return answer
        await asyncio.sleep(every)

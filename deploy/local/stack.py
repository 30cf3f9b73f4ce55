#!/usr/bin/env python3
"""Provision, start and stop the local Kafka (KRaft) and MongoDB-protocol servers without Docker.

Standard library only, so it runs before the Python workspace exists. Everything it downloads,
builds or writes lives under STACK_DIR (default: `.stack/` at the repository root, git-ignored).

    python3 deploy/local/stack.py provision [kafka|mongo]   download and build what is missing
    python3 deploy/local/stack.py up [kafka|mongo]     provision if needed, start, wait until ready
    python3 deploy/local/stack.py down [kafka|mongo]   stop what this script started
    python3 deploy/local/stack.py status               one line per server
    python3 deploy/local/stack.py logs kafka|mongo     the last lines of a server's log
    python3 deploy/local/stack.py env                  shell exports for the running stack
    python3 deploy/local/stack.py reset                stop everything and delete the data

The MongoDB-protocol server is secantus-mdb (the wire protocol over WiredTiger, mongod's storage
engine), built with cargo from crates.io: a test and development stand-in, never shipped; production
runs a mongod replica set (docker-compose.yml, deploy/k8s).
"""

from __future__ import annotations

import base64
import fcntl
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK_DIR = Path(os.environ.get("STACK_DIR", ROOT / ".stack")).resolve()
HOST = "127.0.0.1"
KAFKA_VERSION = "3.9.1"
MONGO_CRATE = "secantus-mdb"
MONGO_VERSION = "0.5.3-beta.196"
MONGO_BINARY = "secantusd-rs"
BUILD_TOOLS = (
    ("cmake", "install CMake (Debian: apt-get install cmake)"),
    ("cc", "install a C compiler (Debian: apt-get install build-essential)"),
)
MONGO_BUILD = f"{MONGO_BINARY}-{MONGO_VERSION}"
OP_MSG = 2013


class StackError(RuntimeError):
    """A failure with a one-line explanation of what to do."""


def port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StackError(f"{name}={raw!r} is not a TCP port number")
    return int(raw)


def port_open(number: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((HOST, number)) == 0


def require_tool(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise StackError(f"'{tool}' is not installed: {hint}")
    return found


def run(
    cmd: list[str],
    log: Path,
    what: str,
    cwd: Path | None = None,
) -> None:
    """Run a provisioning step to its end."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        try:
            done = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                check=False,
            )
        except OSError as error:  # e.g. the program is out of the user's reach
            raise StackError(f"{what}: cannot run {cmd[0]}: {error.strerror}") from error
    if done.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        raise StackError(f"{what} failed (see {log}): " + " | ".join(tail))


@dataclass
class Server:
    name: str
    port: int
    ready_line: str | None

    @property
    def home(self) -> Path:
        return STACK_DIR / self.name

    @property
    def pid_file(self) -> Path:
        return self.home / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        return pid

    def provision(self) -> None:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare_data(self) -> None:
        """Create the data folder on first start."""

    def up(self) -> str:
        if self.pid() and port_open(self.port):
            return f"{self.name}: already running on {HOST}:{self.port} (pid {self.pid()})"
        if port_open(self.port):
            raise StackError(
                f"{self.name}: port {self.port} is in use by another program; "
                f"stop it or choose another port ({self.port_env} in the environment)"
            )
        self.provision()
        self.prepare_data()
        return self.start()

    port_env = ""

    def start(self) -> str:
        with self.log_file.open("w") as out:
            proc = subprocess.Popen(
                self.command(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + float(os.environ.get("STACK_START_TIMEOUT", "90"))
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise StackError(f"{self.name}: exited at start-up; {self.last_lines()}")
            if port_open(self.port) and self.logged_ready():
                return f"{self.name}: started on {HOST}:{self.port} (pid {proc.pid})"
            time.sleep(0.25)
        self.down()
        raise StackError(f"{self.name}: not ready within the time limit; {self.last_lines()}")

    def logged_ready(self) -> bool:
        return self.ready_line is None or self.ready_line in self.log_file.read_text(
            errors="replace"
        )

    def last_lines(self, count: int = 3) -> str:
        lines = self.log_file.read_text(errors="replace").strip().splitlines()
        return f"last log lines ({self.log_file}): " + " | ".join(lines[-count:])

    def down(self) -> str:
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return f"{self.name}: not running"
        os.killpg(pid, signal.SIGTERM)
        for _ in range(120):
            if self.pid() is None:
                break
            time.sleep(0.25)
        else:
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return f"{self.name}: stopped (pid {pid})"

    def status(self) -> str:
        pid = self.pid()
        if pid and port_open(self.port):
            return f"{self.name}: running on {HOST}:{self.port} (pid {pid})"
        if pid:
            return f"{self.name}: process {pid} alive but {HOST}:{self.port} not answering"
        return f"{self.name}: stopped"


class Kafka(Server):
    port_env = "KAFKA_PORT"

    def __init__(self) -> None:
        super().__init__("kafka", port("KAFKA_PORT", 19092), "Kafka Server started")
        self.controller_port = port("KAFKA_CONTROLLER_PORT", 19093)

    @property
    def libs(self) -> Path:
        return self.home / f"kafka-{KAFKA_VERSION}" / "libs"

    def provision(self) -> None:
        require_tool("java", "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre)")
        if (self.libs / ".complete").exists():
            return
        mvn = require_tool("mvn", "install Maven (Debian: apt-get install maven)")
        print(f"kafka: resolving Apache Kafka {KAFKA_VERSION} from Maven Central (first run only)")
        pom = self.libs.parent / "pom.xml"
        pom.parent.mkdir(parents=True, exist_ok=True)
        pom.write_text(POM.format(version=KAFKA_VERSION))
        cmd = [mvn, "-q", "-B", "dependency:copy-dependencies", f"-DoutputDirectory={self.libs}"]
        run([*cmd, "-DincludeScope=runtime"], self.home / "provision.log", "maven", pom.parent)
        (self.libs / ".complete").write_text(KAFKA_VERSION)

    def prepare_data(self) -> None:
        data = STACK_DIR / "data" / "kafka"
        (self.home / "server.properties").write_text(
            KAFKA_PROPERTIES.format(
                host=HOST, port=self.port, controller=self.controller_port, data=data
            )
        )
        (self.home / "log4j.properties").write_text(LOG4J)
        if (data / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        fmt = self.java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c")
        run([*fmt, str(self.home / "server.properties")], self.home / "format.log", "kafka format")

    def java(self, main: str, *args: str) -> list[str]:
        heap = os.environ.get("KAFKA_HEAP", "768m")
        log4j = f"-Dlog4j.configuration=file:{self.home / 'log4j.properties'}"
        return ["java", f"-Xmx{heap}", "-cp", f"{self.libs}/*", log4j, main, *args]

    def command(self) -> list[str]:
        return self.java("kafka.Kafka", str(self.home / "server.properties"))


class MongoServer(Server):
    """secantus-mdb: the MongoDB wire protocol over WiredTiger, built with cargo from crates.io.

    A development and test server (GPL-2.0-only, run as a separate process, never shipped in an
    image); production runs a mongod replica set. Standalone, so the driver talks to the address
    it was given; every commit synced to disk, so a `kill -9` loses no acknowledged write.
    """

    port_env = "MONGO_PORT"

    def __init__(self) -> None:
        super().__init__("mongo", port("MONGO_PORT", 27117), "listening on")

    @property
    def binary(self) -> Path:
        return self.home / MONGO_BUILD

    @property
    def config_file(self) -> Path:
        return self.home / "secantusd.toml"

    def provision(self) -> None:
        if self.binary.exists():
            return
        cargo = require_tool("cargo", "install Rust with cargo (https://rustup.rs)")
        for tool, hint in BUILD_TOOLS:
            require_tool(tool, hint)
        print(f"mongo: building {MONGO_CRATE} {MONGO_VERSION} with cargo (first run only, ~4 min)")
        root = self.home / "cargo-root"
        cmd = [cargo, "install", MONGO_CRATE, "--version", f"={MONGO_VERSION}", "--locked"]
        cache = cargo_cache()
        cmd += ["--ignore-rust-version", "--root", str(root), "--target-dir", str(cache)]
        try:
            run(cmd, self.home / "provision.log", "cargo install " + MONGO_CRATE)
        except StackError:  # e.g. a cache left inconsistent by an interrupted build: once afresh
            print("mongo: the build failed; once more without the build cache", flush=True)
            shutil.rmtree(cache, ignore_errors=True)
            run(cmd, self.home / "provision.log", "cargo install " + MONGO_CRATE)
        (root / "bin" / MONGO_BINARY).rename(self.binary)
        shutil.rmtree(root, ignore_errors=True)

    def prepare_data(self) -> None:
        data = STACK_DIR / "data" / "mongo"
        data.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            MONGO_CONFIG.format(
                host=HOST,
                port=self.port,
                data=data,
                cache=os.environ.get("MONGO_CACHE_SIZE", "1G"),
                log_level=os.environ.get("MONGO_LOG_LEVEL", "WARNING"),
            )
        )

    def command(self) -> list[str]:
        return [str(self.binary), "--config", str(self.config_file)]

    def start(self) -> str:
        started = super().start()
        deadline = time.monotonic() + float(os.environ.get("STACK_START_TIMEOUT", "90"))
        while not mongo_ping(self.port):
            if time.monotonic() > deadline:
                self.down()
                raise StackError(f"mongo: never answered ping; {self.last_lines()}")
            time.sleep(0.1)
        return started


def cargo_cache() -> Path:
    """Compiled crates kept between builds, like Maven's and cargo's download caches: a new
    checkout links the server in seconds instead of compiling it for minutes."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "complaint-stack"
    return Path(os.environ.get("STACK_BUILD_CACHE", default)) / "cargo-target"


def mongo_ping(number: int) -> bool:
    """True when the server answers `{ping: 1}` with ok: 1 (an OP_MSG, standard library only)."""
    ping = bson_document(b"\x10ping\x00" + (1).to_bytes(4, "little") + bson_string("$db", "admin"))
    body = (0).to_bytes(4, "little") + b"\x00" + ping
    header = (16 + len(body)).to_bytes(4, "little") + (1).to_bytes(4, "little")
    message = header + (0).to_bytes(4, "little") + OP_MSG.to_bytes(4, "little") + body
    try:
        with socket.create_connection((HOST, number), timeout=2) as sock:
            sock.sendall(message)
            size = int.from_bytes(receive(sock, 4), "little")
            reply = receive(sock, size - 4)
    except OSError:
        return False
    return b"\x01ok\x00" + struct.pack("<d", 1.0) in reply


def bson_string(key: str, value: str) -> bytes:
    raw = value.encode() + b"\x00"
    return b"\x02" + key.encode() + b"\x00" + len(raw).to_bytes(4, "little") + raw


def bson_document(elements: bytes) -> bytes:
    return (len(elements) + 5).to_bytes(4, "little") + elements + b"\x00"


def receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


POM = """<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local.stack</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
<packaging>pom</packaging><dependencies>
<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
<version>{version}</version></dependency>
<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId>
<version>1.7.36</version></dependency>
</dependencies></project>
"""

KAFKA_PROPERTIES = """process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{host}:{controller}
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}
advertised.listeners=PLAINTEXT://{host}:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.retention.check.interval.ms=10000
"""

MONGO_CONFIG = """# Written by deploy/local/stack.py on every start.
[server]
host = "{host}"
port = {port}
storage_path = "{data}"
log_level = "{log_level}"
standalone = true

[storage]
cache_size = "{cache}"
log_file_max = "64MB"
sync_on_commit = true
"""

LOG4J = """log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""


def servers(which: str | None) -> list[Server]:
    """The servers an action is about, in start order."""
    every: list[Server] = [Kafka(), MongoServer()]
    if which in (None, "all"):
        return every
    if which == "mongodb":
        which = "mongo"
    chosen = [server for server in every if server.name == which]
    if not chosen:
        raise StackError(f"unknown server {which!r}: use kafka or mongo")
    return chosen


def env_lines() -> list[str]:
    kafka, mongo = Kafka(), MongoServer()
    return [
        f"export KAFKA_BOOTSTRAP_SERVERS={HOST}:{kafka.port}",
        f"export MONGODB_URI=mongodb://{HOST}:{mongo.port}/",
    ]


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "status"
    which = argv[1] if len(argv) > 1 else None
    started: list[Server] = []
    try:
        if action == "provision":
            for server in servers(which):
                server.provision()
                print(f"{server.name}: provisioned", flush=True)
        elif action == "up":
            STACK_DIR.mkdir(parents=True, exist_ok=True)
            lock = (STACK_DIR / "up.lock").open("w")
            fcntl.flock(lock, fcntl.LOCK_EX)  # two callers starting at once must not race
            for server in servers(which):
                was_running = server.pid() is not None
                print(server.up(), flush=True)
                if not was_running:
                    started.append(server)
        elif action == "down":
            for server in reversed(servers(which)):
                print(server.down())
        elif action == "status":
            for server in servers(which):
                print(server.status())
        elif action == "logs":
            for server in servers(which):
                print(f"== {server.log_file}")
                lines = server.log_file.read_text(errors="replace").splitlines()
                print("\n".join(lines[-int(os.environ.get("LINES", "60")) :]))
        elif action == "env":
            print("\n".join(env_lines()))
        elif action == "reset":
            for server in servers(None):
                print(server.down())
            shutil.rmtree(STACK_DIR / "data", ignore_errors=True)
            print(f"deleted {STACK_DIR / 'data'}")
        else:
            raise StackError(
                f"unknown action {action!r}: use provision, up, down, status, logs, env or reset"
            )
    except StackError as error:
        for server in started:  # leave nothing half-started behind
            server.down()
        print(f"stack: {error}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(
            f"stack: {error.filename} does not exist yet (start the stack first)", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Provision, start and stop the local Kafka (KRaft) and FerretDB servers without a Docker engine.

Standard library only, so it runs before the Python workspace exists. Everything it downloads,
builds or writes lives under STACK_DIR (default: `.stack/` at the repository root, git-ignored).

    python3 deploy/local/stack.py up [kafka|mongo]     provision if needed, start, wait until ready
    python3 deploy/local/stack.py down [kafka|mongo]   stop what this script started
    python3 deploy/local/stack.py status               one line per server
    python3 deploy/local/stack.py logs kafka|mongo     the last lines of a server's log
    python3 deploy/local/stack.py env                  shell exports for the running stack
    python3 deploy/local/stack.py reset                stop everything and delete the data

FERRETDB_BACKEND=sqlite (default) keeps FerretDB's data in SQLite files; FERRETDB_BACKEND=postgresql
stores it in a PostgreSQL cluster of its own (server "postgres", 127.0.0.1:POSTGRES_PORT, default
25432) made from the installed PostgreSQL programs. See deploy/local/FERRETDB_BACKENDS.md.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import pwd
import shutil
import signal
import socket
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
FERRETDB_VERSION = "v1.24.2"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
# FerretDB 1.24's SQLite backend looks documents up by `_ferretdb_sjson->'$._id'` but indexes
# `_ferretdb_sjson->"_id"`: SQLite matches an expression index only on the same expression, so
# every find, update and delete by `_id` read the whole table (60 ms per write at 10,000
# documents of 5 KB, growing with the collection; upstream FerretDB#2340, #3235). The build
# looks them up by the indexed expression; the result set is the same, only the plan differs.
FERRETDB_PATCHES = (
    (
        "internal/backends/sqlite/metadata/metadata.go",
        "IDColumn = DefaultColumn + \"->'$._id'\"",
        'IDColumn = DefaultColumn + `->"_id"`',
    ),
)
FERRETDB_BUILD = f"ferretdb-{FERRETDB_VERSION}-id-index"
BACKENDS = ("sqlite", "postgresql")
POSTGRES_DATABASE = "ferretdb"
POSTGRES_ROLE = "ferretdb"
POSTGRES_INSTALL_HINT = "install PostgreSQL 13+ (Debian: apt-get install postgresql)"
POSTGRES_PROGRAMS = ("initdb", "pg_ctl", "postgres", "createdb")


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


def ferretdb_backend() -> str:
    backend = os.environ.get("FERRETDB_BACKEND", "sqlite")
    if backend not in BACKENDS:
        raise StackError(f"FERRETDB_BACKEND={backend!r} is not one of: {', '.join(BACKENDS)}")
    return backend


def major_minor(bin_dir: Path) -> tuple[int, ...]:
    """/usr/lib/postgresql/15/bin -> (15,): so that 15 ranks above 9.6."""
    return tuple(int(part) for part in bin_dir.parent.name.split(".") if part.isdigit())


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
    user: pwd.struct_passwd | None = None,
) -> None:
    """Run a provisioning step to its end, as `user` if given (only root can ask for that)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        try:
            done = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                check=False,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
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


def patch_ferretdb(source: Path) -> None:
    for relative, original, patched in FERRETDB_PATCHES:
        path = source / relative
        text = path.read_text()
        if text.count(original) != 1:
            raise StackError(f"FerretDB patch no longer applies: {relative} lacks {original!r}")
        path.write_text(text.replace(original, patched))


class FerretDB(Server):
    port_env = "MONGO_PORT"

    def __init__(self) -> None:
        super().__init__("mongo", port("MONGO_PORT", 27117), "Listening on")
        self.debug_port = port("FERRETDB_DEBUG_PORT", 28088)

    @property
    def binary(self) -> Path:
        return self.home / FERRETDB_BUILD

    def provision(self) -> None:
        if self.binary.exists():
            return
        go = require_tool(
            "go", "install Go 1.22+ (https://go.dev/doc/install or apt-get install golang)"
        )
        print(f"mongo: building FerretDB {FERRETDB_VERSION} with Go (first run only, ~2 min)")
        log = self.home / "provision.log"
        self.home.mkdir(parents=True, exist_ok=True)
        info = subprocess.run(
            [go, "mod", "download", "-json", f"{FERRETDB_MODULE}@{FERRETDB_VERSION}"],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.home,
        )
        if info.returncode != 0:
            raise StackError(f"go mod download of FerretDB failed: {info.stderr.strip()[-300:]}")
        source = self.home / "src"
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(json.loads(info.stdout)["Dir"], source)
        for path in source.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
        # A module-cache copy lacks the version file the binary embeds and checks at start-up.
        (source / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
        patch_ferretdb(source)
        tmp = self.binary.with_suffix(".tmp")
        run([go, "build", "-trimpath", "-o", str(tmp), "./cmd/ferretdb"], log, "go build", source)
        tmp.rename(self.binary)
        shutil.rmtree(source, ignore_errors=True)

    @property
    def backend_file(self) -> Path:
        return self.home / "backend"

    def up(self) -> str:
        running = self.backend_file.read_text() if self.backend_file.exists() else "sqlite"
        if self.pid() and running != ferretdb_backend():
            raise StackError(
                f"mongo: already running with the {running} backend; "
                f"stop it first (stack.py down mongo) to switch to {ferretdb_backend()}"
            )
        return super().up()

    def prepare_data(self) -> None:
        (STACK_DIR / "data" / "ferretdb").mkdir(parents=True, exist_ok=True)
        self.backend_file.write_text(ferretdb_backend())

    def storage(self) -> list[str]:
        data = STACK_DIR / "data" / "ferretdb"
        if ferretdb_backend() == "sqlite":
            return ["--handler=sqlite", f"--sqlite-url=file:{data}/"]
        return ["--handler=postgresql", f"--postgresql-url={Postgres().url}"]

    def command(self) -> list[str]:
        data = STACK_DIR / "data" / "ferretdb"
        return [
            str(self.binary),
            *self.storage(),
            f"--state-dir={data}",
            f"--listen-addr={HOST}:{self.port}",
            f"--debug-addr={HOST}:{self.debug_port}",
            "--telemetry=disable",
            "--log-level=" + os.environ.get("FERRETDB_LOG_LEVEL", "WARN"),
        ]

    def logged_ready(self) -> bool:
        # FerretDB logs nothing at WARN once ready; an answering port is the signal.
        return True


class Postgres(Server):
    """FerretDB's PostgreSQL backend: a cluster of the stack's own, started with pg_ctl.

    PostgreSQL refuses to run as root, so as root the cluster belongs to POSTGRES_OS_USER
    (default `postgres`, created with useradd when missing). It listens on 127.0.0.1 only,
    with no Unix socket, and trusts every local TCP connection: a development server.
    """

    port_env = "POSTGRES_PORT"

    def __init__(self) -> None:
        super().__init__("postgres", port("POSTGRES_PORT", 25432), None)

    @property
    def data(self) -> Path:
        return STACK_DIR / "data" / "postgres"

    @property
    def pid_file(self) -> Path:
        return self.data / "postmaster.pid"

    @property
    def url(self) -> str:
        return f"postgres://{POSTGRES_ROLE}@{HOST}:{self.port}/{POSTGRES_DATABASE}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, IndexError, ValueError):
            return None
        return pid

    def programs(self) -> Path:
        """The folder holding initdb, pg_ctl, postgres and createdb (Debian keeps them off PATH)."""
        configured = os.environ.get("POSTGRES_BIN_DIR")
        if configured:
            candidates = [Path(configured)]
        else:
            on_path = shutil.which("pg_ctl")
            candidates = [Path(on_path).resolve().parent] if on_path else []
            installed = Path("/usr/lib/postgresql").glob("*/bin")
            candidates += sorted(installed, key=major_minor, reverse=True)
        for folder in candidates:
            if all((folder / tool).is_file() for tool in POSTGRES_PROGRAMS):
                return folder
        raise StackError(
            f"postgres: the PostgreSQL programs ({', '.join(POSTGRES_PROGRAMS)}) are not installed"
            f": {POSTGRES_INSTALL_HINT}"
        )

    def os_user(self) -> pwd.struct_passwd | None:
        """Who runs the server: None for the current user, an unprivileged account for root."""
        if os.geteuid() != 0:
            return None
        name = os.environ.get("POSTGRES_OS_USER", "postgres")
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            useradd = require_tool(
                "useradd", f"create an unprivileged user and name it in POSTGRES_OS_USER={name}"
            )
            cmd = [useradd, "--system", "--user-group", "--no-create-home", name]
            run([*cmd, "--shell", "/usr/sbin/nologin"], self.home / "useradd.log", "useradd")
            account = pwd.getpwnam(name)
        if account.pw_uid == 0:
            raise StackError(
                f"postgres: POSTGRES_OS_USER={name!r} is root, which PostgreSQL refuses to run as"
            )
        return account

    def require_access(self, user: pwd.struct_passwd) -> None:
        """Fail in one line when a parent folder of STACK_DIR keeps the server's user out."""
        check = ["/bin/sh", "-c", 'test -w "$1" && test -x "$1"', "sh", str(self.data)]
        done = subprocess.run(
            check, check=False, user=user.pw_uid, group=user.pw_gid, extra_groups=[]
        )
        if done.returncode != 0:
            raise StackError(
                f"postgres: user {user.pw_name} cannot reach {self.data}; choose a STACK_DIR "
                "whose parent folders every user may enter (mode o+x)"
            )

    def provision(self) -> None:
        self.programs()

    def prepare_data(self) -> None:
        user = self.os_user()
        self.home.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(parents=True, exist_ok=True, mode=0o700)
        if user is not None:
            for folder in (self.home, self.data):
                os.chown(folder, user.pw_uid, user.pw_gid)
            self.require_access(user)
        if (self.data / "PG_VERSION").exists():
            return
        print(f"postgres: creating a cluster in {self.data} (first run only)", flush=True)
        initdb = [str(self.programs() / "initdb"), "-D", str(self.data), "-U", POSTGRES_ROLE]
        options = ["--auth=trust", "--encoding=UTF8", "--no-locale"]
        try:
            run([*initdb, *options], self.home / "initdb.log", "initdb", self.home, user)
        except StackError:
            shutil.rmtree(self.data, ignore_errors=True)  # the next `up` starts afresh
            raise
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(POSTGRES_CONF)
        (self.data / "pg_hba.conf").write_text(POSTGRES_HBA)

    def start(self) -> str:
        programs = self.programs()
        timeout = str(int(float(os.environ.get("STACK_START_TIMEOUT", "90"))))
        pg_ctl = [str(programs / "pg_ctl"), "start", "-D", str(self.data), "-w", "-t", timeout]
        options = ["-l", str(self.log_file), "-o", f"-p {self.port}"]
        log = self.home / "pg_ctl.log"
        try:
            run([*pg_ctl, *options], log, "pg_ctl start", self.home, self.os_user())
            self.create_database(programs)
        except StackError as error:
            self.down()
            detail = self.last_lines() if self.log_file.exists() else ""
            raise StackError(f"postgres: {error} {detail}".strip()) from error
        return f"postgres: started on {HOST}:{self.port} (pid {self.pid()})"

    def create_database(self, programs: Path) -> None:
        createdb = [str(programs / "createdb"), "-h", HOST, "-p", str(self.port)]
        done = subprocess.run(
            [*createdb, "-U", POSTGRES_ROLE, POSTGRES_DATABASE],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 and "already exists" not in done.stderr:
            raise StackError(f"createdb {POSTGRES_DATABASE} failed: {done.stderr.strip()}")

    def down(self) -> str:
        pid = self.pid()
        if pid is None:
            return f"{self.name}: not running"
        os.kill(pid, signal.SIGINT)  # = pg_ctl stop -m fast: ends sessions, checkpoints, exits
        for _ in range(240):
            if self.pid() is None:
                return f"{self.name}: stopped (pid {pid})"
            time.sleep(0.25)
        os.kill(pid, signal.SIGQUIT)  # = -m immediate: the next start runs crash recovery
        return f"{self.name}: shut down immediately (pid {pid}) after a minute of waiting"


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
"""

POSTGRES_CONF = """
# Written by deploy/local/stack.py: TCP on 127.0.0.1 only (the port comes from pg_ctl -o -p).
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
"""

POSTGRES_HBA = """# Written by deploy/local/stack.py: a development server, trusting 127.0.0.1 only.
host all all 127.0.0.1/32 trust
"""

LOG4J = """log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""


def servers(which: str | None, starting: bool = False) -> list[Server]:
    """The servers an action is about, in start order; postgres goes with mongo when it backs it.

    When stopping or reporting, a postgres still running counts even if FERRETDB_BACKEND no
    longer says postgresql, so nothing is left behind.
    """
    postgres = Postgres()
    backed = ferretdb_backend() == "postgresql" or (not starting and postgres.pid() is not None)
    every = [Kafka(), *([postgres] if backed else []), FerretDB()]
    names = {s.name for s in every} | {"postgres"}
    if which not in (None, "mongodb", *names):
        raise StackError(f"unknown server {which!r}: use kafka, mongo or postgres")
    wanted = {None: names, "mongodb": {"mongo", "postgres"}, "mongo": {"mongo", "postgres"}}
    chosen = wanted.get(which, {which})
    if which == "postgres" and not backed:
        return [postgres]
    return [s for s in every if s.name in chosen]


def env_lines() -> list[str]:
    kafka, mongo = Kafka(), FerretDB()
    return [
        f"export KAFKA_BOOTSTRAP_SERVERS={HOST}:{kafka.port}",
        f"export MONGODB_URI=mongodb://{HOST}:{mongo.port}/",
    ]


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "status"
    which = argv[1] if len(argv) > 1 else None
    started: list[Server] = []
    try:
        if action == "up":
            STACK_DIR.mkdir(parents=True, exist_ok=True)
            lock = (STACK_DIR / "up.lock").open("w")
            fcntl.flock(lock, fcntl.LOCK_EX)  # two callers starting at once must not race
            for server in servers(which, starting=True):
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
            raise StackError(f"unknown action {action!r}: use up, down, status, logs, env or reset")
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

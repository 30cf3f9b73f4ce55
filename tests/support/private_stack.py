"""A Kafka broker and a MongoDB-protocol server of a test's own, on free ports, to stop and restart
without disturbing the shared stack. Binaries come from the repository's `.stack/` (linked,
never rebuilt). Used by services/intake/tests/test_outages_live.py, which imports nothing from
deploy/ itself (tests/unit/test_layering.py)."""

import os
import subprocess
import sys
from pathlib import Path

from deploy.local.stack import MONGO_BUILD
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "stack.py"
KAFKA_HOME = ROOT / ".stack" / "kafka" / "kafka-3.9.1"
MONGO_SERVER = ROOT / ".stack" / "mongo" / MONGO_BUILD


class PrivateStack:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        (directory / "kafka").mkdir(parents=True, exist_ok=True)
        (directory / "mongo").mkdir(parents=True, exist_ok=True)
        (directory / "kafka" / KAFKA_HOME.name).symlink_to(KAFKA_HOME)
        (directory / "mongo" / MONGO_SERVER.name).symlink_to(MONGO_SERVER)
        self.ports = {
            name: str(free_port()) for name in ("KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "MONGO_PORT")
        }

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports['KAFKA_PORT']}"

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.ports['MONGO_PORT']}/"

    def up(self, server: str) -> None:
        self._stack("up", server)

    def down(self, server: str) -> None:
        self._stack("down", server)

    def _stack(self, action: str, server: str) -> None:
        env = {**os.environ, **self.ports, "STACK_DIR": str(self.directory), "KAFKA_HEAP": "384m"}
        done = subprocess.run(
            [sys.executable, str(STACK), action, server],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"stack {action} {server}: {done.stdout} {done.stderr}")

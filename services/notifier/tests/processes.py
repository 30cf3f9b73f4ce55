"""The notifier as its own OS process (`complaint-notifier`), to kill and restart."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from complaint_notifier.settings import NotifierSettings

from .live import environment


class NotifierProcess:
    def __init__(self, settings: NotifierSettings, log: Path) -> None:
        self.settings, self.log = settings, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "NotifierProcess":
        command = [sys.executable, "-c", "from complaint_notifier.app import main; main()"]
        env = {**os.environ, **environment(self.settings)}
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
        return self

    def wait_ready(self, limit: float = 60) -> None:
        url = f"http://127.0.0.1:{self.settings.http_port}/health/ready"
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"notifier exited with {self.process.returncode}: {self.tail()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"notifier not ready after {limit}s: {self.tail()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no commit, no cleanup."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

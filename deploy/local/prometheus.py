"""A real Prometheus (Debian's `prometheus` package) scraping the services on this machine.

Its configuration is generated from `deploy/prometheus/prometheus.yml`: the same `complaints`
job (metrics path, `honor_labels`), one target per service on loopback labelled with its
`service`, and the same rule files, so what `make run` and the tests see is what production
alerts on. Only the addresses and the intervals differ.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "deploy" / "prometheus"
BINARY = "prometheus"


class PrometheusError(RuntimeError):
    """Prometheus is missing, its port is taken, or it did not come up (one line says which)."""


def local_config(
    services: Mapping[str, int], *, port: int, scrape_interval: str = "5s"
) -> dict[str, Any]:
    """deploy/prometheus/prometheus.yml with its targets on 127.0.0.1 and the given interval."""
    source = yaml.safe_load((SOURCE / "prometheus.yml").read_text("utf-8"))
    job = next(job for job in source["scrape_configs"] if job["job_name"] == "complaints")
    targets = [
        {"targets": [f"127.0.0.1:{service_port}"], "labels": {"service": name}}
        for name, service_port in services.items()
    ]
    return {
        "global": {
            **source["global"],
            "scrape_interval": scrape_interval,
            "evaluation_interval": scrape_interval,
        },
        "rule_files": [str(SOURCE / pattern) for pattern in source["rule_files"]],
        "scrape_configs": [
            {**job, "static_configs": targets},
            {"job_name": "prometheus", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]},
        ],
    }


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Prometheus:
    """One Prometheus process with its configuration, data and log under `workdir`."""

    def __init__(
        self,
        workdir: Path,
        services: Mapping[str, int],
        *,
        port: int = 9090,
        scrape_interval: str = "5s",
    ) -> None:
        self.workdir = workdir
        self.port = port
        self.config = local_config(services, port=port, scrape_interval=scrape_interval)
        self.log = workdir / "prometheus.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_within: float = 60) -> Prometheus:
        binary = shutil.which(BINARY)
        if binary is None:
            raise PrometheusError(
                "prometheus is not installed: run `make setup` (Debian package prometheus)"
            )
        if port_in_use(self.port):
            raise PrometheusError(
                f"port {self.port} is in use by another program; stop it or set PROMETHEUS_PORT"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_file = self.workdir / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        command = [
            binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
        ]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=output, start_new_session=True
            )
        self.wait_ready(ready_within)
        return self

    def wait_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                self.stop()
                raise PrometheusError(f"prometheus exited at start-up; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise PrometheusError(f"prometheus not ready within {seconds:.0f}s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def api(self, path: str, **params: str) -> Any:
        """The `data` of a GET on the HTTP API (`/api/v1/<path>`)."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}{query}", timeout=10) as answer:
            body = json.load(answer)
        if body.get("status") != "success":
            raise PrometheusError(f"prometheus /api/v1/{path}: {body}")
        return body["data"]

    def targets(self) -> list[dict[str, Any]]:
        return list(self.api("targets", state="active")["activeTargets"])

    def query(self, expression: str) -> list[dict[str, Any]]:
        """The instant vector of a PromQL expression (one dict per series)."""
        return list(self.api("query", query=expression)["result"])

    def rule_groups(self) -> list[str]:
        return [group["name"] for group in self.api("rules")["groups"]]

    def targets_down(self) -> list[str]:
        """`job/service: last error` of every target whose last scrape failed or is pending."""
        return [
            f"{target['labels']['job']}/{target['labels'].get('service', '-')}: "
            f"{target['health']} {target.get('lastError', '')}".strip()
            for target in self.targets()
            if target["health"] != "up"
        ]

    def __enter__(self) -> Prometheus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

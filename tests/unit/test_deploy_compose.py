"""docker-compose.yml beyond its schema (tests/unit/test_compose.py): the services' health checks
really tell ready from not ready, and every build target and mounted file exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from tests.unit.test_deploy_dockerfile import SERVICES, STAGES, last

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        code = type(self).status if self.path == "/health/ready" else 404
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def service_answering() -> Iterator[type[_Health]]:
    """A stand-in service on a free port; set `.status` to what /health/ready answers."""
    handler = type("Handler", (_Health,), {})
    server = HTTPServer(("127.0.0.1", 0), handler)
    handler.port = server.server_address[1]  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()


def run_check(command: list[str], port: int) -> int:
    """Run a health check's python command, aimed at the stand-in's port."""
    assert command[:2] == ["python", "-c"], command
    code = command[2].replace(":8000/", f":{port}/")
    env = {**os.environ, "HTTP_PORT": str(port)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True).returncode


@pytest.mark.parametrize("status", [200, 503])
def test_the_compose_health_check_passes_only_when_ready(service_answering, status: int) -> None:
    service_answering.status = status
    command = COMPOSE["intake"]["healthcheck"]["test"]
    assert command[0] == "CMD"
    assert (run_check(command[1:], service_answering.port) == 0) == (status == 200)


@pytest.mark.parametrize("status", [200, 503])
def test_the_image_health_check_passes_only_when_ready(service_answering, status: int) -> None:
    service_answering.status = status
    options, _, command_json = last("intake", "HEALTHCHECK").args.partition(" CMD ")
    assert "--start-period" in options
    command = json.loads(command_json)
    assert (run_check(command, service_answering.port) == 0) == (status == 200)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_built_from_its_target_and_checked_for_readiness(service: str) -> None:
    entry = COMPOSE[service]
    assert entry["build"]["target"] == service and service in STAGES
    assert entry["healthcheck"] == COMPOSE["intake"]["healthcheck"]
    assert entry["ports"][0].endswith(":8000")
    assert entry["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert entry["depends_on"]["mongo"]["condition"] == "service_healthy"
    assert entry["init"] is True, "an init process forwards SIGTERM and reaps children"


def test_the_topics_job_runs_the_tools_target() -> None:
    topics = COMPOSE["topics"]
    assert topics["build"]["target"] == "tools" and "tools" in STAGES
    assert topics["command"] == ["python", "deploy/local/topics.py"]


def test_mounted_configuration_exists_where_the_images_expect_it() -> None:
    prometheus = COMPOSE["prometheus"]["volumes"][0]
    assert prometheus == "./deploy/prometheus:/etc/prometheus:ro"
    assert (ROOT / "deploy/prometheus/prometheus.yml").is_file()  # the image's default config
    for volume in COMPOSE["grafana"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).is_dir(), source

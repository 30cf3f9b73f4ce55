"""A real Prometheus (Debian's package, as `make run` starts it) scraping the four service
processes with deploy/prometheus's job, labels and rules: every target is up, the key series
exist for every service, and the alert and recording rules load and evaluate."""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from deploy.local.demo import feed, load_demo
from deploy.local.prometheus import SOURCE, Prometheus, local_config
from deploy.local.system import NAMES, free_port, wait_for
from tests.e2e.support_demo import DemoSystem, demo_system

SERVICES = set(NAMES)
KEY_SERIES = (
    "complaints_service_info",
    "complaints_service_started_seconds",
    "complaints_consumer_lag",
    "faststream_received_messages_total",
)


@pytest.fixture(scope="module")
async def scraped(
    kafka_bootstrap: str, mongodb_uri: str, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Prometheus]:
    """The system with one complaint fed by REST and one by Kafka (so every service has
    consumed something), scraped every second."""
    workdir = tmp_path_factory.mktemp("prometheus")
    async with demo_system(
        workdir / "system",
        bootstrap=kafka_bootstrap,
        mongodb_uri=mongodb_uri,
        name=f"prom-{run_id}",
    ) as demo:
        await _feed_two(demo)
        prometheus = Prometheus(
            workdir / "prometheus", demo.ports, port=free_port(), scrape_interval="1s"
        )
        with prometheus:

            async def complete() -> bool:
                return not _missing(prometheus)

            await wait_for(complete, seconds=90, every=1)
            yield prometheus


async def _feed_two(demo: DemoSystem) -> None:
    items = load_demo()
    pair = [next(i for i in items if i.via == "http"), next(i for i in items if i.via == "kafka")]
    await feed(
        pair,
        run_tag=f"prom-{time.time_ns()}",
        intake_url=demo.urls["intake"],
        api_key=demo.config.api_key,
        bootstrap=demo.bootstrap,
        topic_prefix=demo.topic_prefix,
    )


def _missing(prometheus: Prometheus) -> list[str]:
    """What is not there yet: targets down, services without a key series."""
    missing = prometheus.targets_down()
    for name in KEY_SERIES:
        found = {series["metric"].get("service") for series in prometheus.query(name)}
        missing += [f"{name}{{service={service}}}" for service in sorted(SERVICES - found)]
    return missing


@pytest.mark.e2e
def test_every_target_is_up(scraped: Prometheus) -> None:
    targets = scraped.targets()
    assert {t["labels"]["service"] for t in targets if t["labels"]["job"] == "complaints"} == (
        SERVICES
    )
    assert [f"{t['scrapeUrl']}: {t['health']}" for t in targets if t["health"] != "up"] == []
    up = scraped.query('up{job="complaints"}')
    assert {series["metric"]["service"]: series["value"][1] for series in up} == dict.fromkeys(
        SERVICES, "1"
    )


@pytest.mark.e2e
def test_key_series_exist_for_every_service(scraped: Prometheus) -> None:
    assert _missing(scraped) == []
    info = scraped.query("complaints_service_info")
    assert {series["metric"]["service"] for series in info} == SERVICES
    assert all(series["metric"]["job"] == "complaints" for series in info)
    labelled = scraped.query('count by (service) ({__name__=~"complaints_.+"})')
    assert {series["metric"].get("service") for series in labelled} == SERVICES


@pytest.mark.e2e
def test_the_alert_and_recording_rules_load_and_evaluate(scraped: Prometheus) -> None:
    shipped = {
        group["name"]
        for path in sorted((SOURCE / "rules").glob("*.yml"))
        for group in yaml.safe_load(path.read_text("utf-8"))["groups"]
    }
    groups = scraped.api("rules")["groups"]
    assert {group["name"] for group in groups} == shipped
    broken = [
        f"{rule['name']}: {rule.get('lastError')}"
        for group in groups
        for rule in group["rules"]
        if rule["health"] == "err"
    ]
    assert broken == []
    # The alerts API lists pending alerts too: one evaluated before the first scrape stays
    # listed until the next evaluation, which a loaded machine may delay. Wait for that
    # evaluation; an alert that really fires never leaves the list.
    deadline = time.monotonic() + 60
    while firing := _alerts(scraped) & {"ComplaintServiceDown", "ComplaintTargetsMissing"}:
        assert time.monotonic() < deadline, firing
        time.sleep(0.5)


def _alerts(scraped: Prometheus) -> set[str]:
    return {alert["labels"]["alertname"] for alert in scraped.api("alerts")["alerts"]}


@pytest.mark.unit
def test_the_generated_configuration_passes_promtool(tmp_path: Path) -> None:
    config = local_config(dict.fromkeys(NAMES, 8001), port=9090, scrape_interval="5s")
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    checked = subprocess.run(
        ["promtool", "check", "config", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 2 rule files found" in checked.stdout

"""One naming convention for every metric the four services expose, read from the registries
their own `build()` fills (nothing started, nothing connected):

- a service's domain metrics are `complaints_<service>_*` and carry no `service` label (the
  scrape target adds it);
- the runtime's metrics, which every service exposes, are named in RUNTIME and carry `service`;
- FastStream's middleware metrics are `faststream_*`;
- no label name could hold personal data;
- every metric the Prometheus rules and the Grafana dashboard query is one of these.

tests/unit/test_deploy_observability.py checks the same files with promtool."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from complaint_runtime import ApiKeys, shell

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "classifier", "notifier", "archive")
RUNTIME = {
    "complaints_consumer_lag",
    "complaints_dead_letters_total",
    "complaints_service_info",
    "complaints_service_started_seconds",
}
PERSONAL = re.compile(
    r"name|phone|mobile|e_?mail|address|street|postcode|zip|complainant|person|contact|"
    r"patient|customer|user|birth|ssn|iban|account|text|description|subject|body",
    re.I,
)
RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
SERIES_SUFFIXES = ("_total", "_created", "_bucket", "_count", "_sum", "_info")


@dataclass(frozen=True)
class Family:
    service: str
    name: str  # as exposed, counters with `_total`
    labels: tuple[str, ...]


def settings_for(service: str) -> Any:
    module = importlib.import_module(f"complaint_{service}.settings")
    cls = next(
        value
        for name, value in vars(module).items()
        if name.endswith("Settings") and name != "ServiceSettings" and isinstance(value, type)
    )
    secret = {"webhook_secret": "metric-names-test-webhook-secret-0123456789"}
    return cls(api_keys_file=None, **(secret if service == "notifier" else {}))


def registry_of(service: str, monkeypatch: pytest.MonkeyPatch) -> CollectorRegistry:
    """The registry the service's `build()` creates and fills."""
    app_module = importlib.import_module(f"complaint_{service}.app")
    made: list[CollectorRegistry] = []

    def recording_registry(*args: Any, **kwargs: Any) -> CollectorRegistry:
        made.append(CollectorRegistry(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(shell, "CollectorRegistry", recording_registry)
    build_args: dict[str, Any] = {}
    if "keys" in app_module.build.__code__.co_varnames:
        build_args["keys"] = ApiKeys([], "50/second")
    app_module.build(settings_for(service), **build_args)
    assert len(made) == 1, f"{service}: build() made {len(made)} registries"
    return made[0]


def families(registry: CollectorRegistry, service: str) -> Iterator[Family]:
    # prometheus_client keeps the label names only on the collector (no public accessor).
    for collector, names in registry._collector_to_names.items():
        labels = tuple(getattr(collector, "_labelnames", ()))
        name = getattr(collector, "_name", None) or min(names, key=len)
        kind = getattr(collector, "_type", "")
        yield Family(service, f"{name}_total" if kind == "counter" else name, labels)


@pytest.fixture(scope="module")
def exposed() -> list[Family]:
    found: list[Family] = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        for service in SERVICES:
            found += families(registry_of(service, monkeypatch), service)
    return found


def test_every_service_exposes_its_domain_runtime_and_faststream_metrics(
    exposed: list[Family],
) -> None:
    for service in SERVICES:
        names = {family.name for family in exposed if family.service == service}
        assert names >= RUNTIME, f"{service} lacks {sorted(RUNTIME - names)}"
        assert any(name.startswith(f"complaints_{service}_") for name in names), service
        assert any(name.startswith("faststream_") for name in names), service


def test_domain_metrics_are_named_after_their_service_and_have_no_service_label(
    exposed: list[Family],
) -> None:
    misnamed, labelled = [], []
    for family in exposed:
        if family.name in RUNTIME or family.name.startswith("faststream_"):
            continue
        if not family.name.startswith(f"complaints_{family.service}_"):
            misnamed.append(f"{family.service}: {family.name}")
        if "service" in family.labels:
            labelled.append(family.name)
    assert not misnamed, f"domain metrics must be complaints_<service>_*: {misnamed}"
    assert not labelled, f"the scrape target adds `service`; drop the label: {labelled}"


def test_runtime_metrics_carry_the_service_label(exposed: list[Family]) -> None:
    for family in exposed:
        if family.name in RUNTIME:
            assert "service" in family.labels, family.name


def test_a_metric_name_means_one_label_set_in_every_service(exposed: list[Family]) -> None:
    shapes: dict[str, set[tuple[str, ...]]] = {}
    for family in exposed:
        shapes.setdefault(family.name, set()).add(family.labels)
    assert {name: found for name, found in shapes.items() if len(found) > 1} == {}


def test_no_label_name_could_hold_personal_data(exposed: list[Family]) -> None:
    risky = {
        f"{family.name}{{{label}}}"
        for family in exposed
        for label in family.labels
        if PERSONAL.search(label) and label != "app_name"  # FastStream's: the service name
    }
    assert not risky


def test_the_personal_data_check_recognises_such_labels() -> None:
    for label in ("complainant_name", "phone", "email", "address", "contact_id", "customer"):
        assert PERSONAL.search(label), label
    for label in ("policy", "step", "severity", "channel", "kind", "reason", "topic", "route"):
        assert not PERSONAL.search(label), label


# ---- what the deploy files query ----------------------------------------------------------------

METRIC = re.compile(r"(?<![\w:$])((?:complaints|faststream)_\w+|up)(?![\w(])")
RECORDED = re.compile(r"(?<![\w$])([a-z_]+:\w+:\w+)")


def rule_exprs() -> Iterator[tuple[str, str]]:
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                yield path.name, rule["expr"]


def recorded_names() -> set[str]:
    return {
        rule["record"]
        for path in RULES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "record" in rule
    }


def dashboard_exprs() -> Iterator[tuple[str, str]]:
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for variable in board.get("templating", {}).get("list", []):
            query = variable.get("query")
            text = query.get("query", "") if isinstance(query, dict) else query or ""
            yield path.name, text
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                yield path.name, target.get("expr", "")


def base_name(series: str, known: set[str]) -> str:
    """`x_bucket` → `x` when `x` is a known family (histogram and counter series)."""
    if series in known:
        return series
    for suffix in SERIES_SUFFIXES:
        if series.endswith(suffix) and series.removesuffix(suffix) in known:
            return series.removesuffix(suffix)
        if series.endswith(suffix) and f"{series.removesuffix(suffix)}_total" in known:
            return f"{series.removesuffix(suffix)}_total"
    return series


def test_rules_and_dashboards_query_only_metrics_some_service_exposes(
    exposed: list[Family],
) -> None:
    known = {family.name for family in exposed} | {"up"}
    recorded = recorded_names()
    assert RULES and DASHBOARDS and recorded
    unknown = set()
    for where, expr in [*rule_exprs(), *dashboard_exprs()]:
        without_strings = re.sub(r'"[^"]*"', '""', expr)
        for series in METRIC.findall(without_strings):
            if base_name(series, known) not in known:
                unknown.add(f"{where}: {series}")
        for name in RECORDED.findall(without_strings):
            if name not in recorded:
                unknown.add(f"{where}: {name}")
    assert not unknown, sorted(unknown)


def test_the_reference_check_notices_an_old_name() -> None:
    known = {"complaints_notifier_deadlines_met_total"}
    assert base_name("complaints_notifier_deadlines_met_total", known) in known
    assert base_name("complaints_deadlines_met_total", known) not in known
    assert METRIC.findall("rate(complaints_deadlines_met_total[5m])") == [
        "complaints_deadlines_met_total"
    ]

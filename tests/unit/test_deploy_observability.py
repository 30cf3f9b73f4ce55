"""Prometheus configuration, alert rules and the Grafana dashboard: promtool checks them, and the
metric names they use must be the ones the services (and FastStream's middleware) expose."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "complaints.json"
SERVICES = ["intake", "classifier", "notifier", "archive"]
PERSONAL = {"name", "phone", "email", "e_mail", "address", "complainant", "person", "contact"}
INSTALL = "promtool is not on PATH: apt-get install -y prometheus (Debian/Ubuntu ships it there)"


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    if shutil.which("promtool") is None:
        pytest.fail(INSTALL)
    return subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True, check=False)


def rules(kind: str) -> list[dict]:
    found = []
    for path in sorted((PROMETHEUS / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            found += [rule for rule in group["rules"] if kind in rule]
    return found


ALERTS = rules("alert")
RECORDED = {rule["record"] for rule in rules("record")}


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str
    labels: tuple[str, ...]
    where: str

    def series(self) -> set[str]:
        base = self.name.removesuffix("_total")
        return {
            "Counter": {f"{base}_total", f"{base}_created"},
            "Gauge": {self.name},
            "Histogram": {f"{self.name}_{end}" for end in ("bucket", "sum", "count", "created")},
            "Summary": {self.name, *(f"{self.name}_{end}" for end in ("sum", "count"))},
        }[self.kind]


def _literal_strings(node: ast.AST | None) -> tuple[str, ...]:
    if isinstance(node, ast.List | ast.Tuple):
        return tuple(
            item.value
            for item in node.elts
            if isinstance(item, ast.Constant) and isinstance(item.value, str)
        )
    return ()


def defined_metrics() -> list[Metric]:
    """Every Counter/Gauge/Histogram/Summary the services' code creates with a literal name."""
    found = []
    for path in sorted(ROOT.glob("services/*/src/**/*.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if not isinstance(call, ast.Call):
                continue
            kind = getattr(call.func, "id", getattr(call.func, "attr", ""))
            if kind not in {"Counter", "Gauge", "Histogram", "Summary"}:
                continue
            keywords = {keyword.arg: keyword.value for keyword in call.keywords}
            name = call.args[0] if call.args else keywords.get("name")
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                continue
            labels = call.args[2] if len(call.args) > 2 else keywords.get("labelnames")
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            found.append(Metric(name.value, kind, _literal_strings(labels), where))
    return found


def faststream_series() -> set[str]:
    registry = CollectorRegistry()
    KafkaPrometheusMiddleware(registry=registry, app_name="probe")
    kinds = {"counter": "Counter", "gauge": "Gauge", "histogram": "Histogram"}
    families = registry.collect()
    return set().union(*(Metric(f.name, kinds[f.type], (), "").series() for f in families))


METRICS = defined_metrics()
EXPOSED = set().union(*(metric.series() for metric in METRICS)) | faststream_series() | {"up"}
REFERENCE = re.compile(r"(?<![\w:$])(up|(?:complaints|faststream)_\w+|[a-z_]+:\w+:\w+)(?![\w(])")


def referenced(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    return set(REFERENCE.findall(without_strings))


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def dashboard_exprs() -> list[str]:
    return [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]


def as_promql(expr: str) -> str:
    """A Grafana query with its variables replaced by what Grafana would put there."""
    for variable, value in {"$__rate_interval": "5m", "$__range": "1h", "$policy": ".*"}.items():
        expr = expr.replace(variable, value)
    return expr


# ---- promtool --------------------------------------------------------------------------------


def test_the_prometheus_configuration_is_valid() -> None:
    done = promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 rule files found" in done.stdout


def test_the_rule_files_are_valid() -> None:
    done = promtool("check", "rules", *(str(p) for p in (PROMETHEUS / "rules").glob("*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_alerts_fire_when_and_only_when_their_unit_tests_say() -> None:
    done = promtool("test", "rules", "tests/alerts_test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_refuses_a_rule_that_does_not_parse(tmp_path: Path) -> None:
    broken = {"groups": [{"name": "x", "rules": [{"alert": "X", "expr": "sum by (service"}]}]}
    (tmp_path / "broken.yml").write_text(yaml.safe_dump(broken))
    assert promtool("check", "rules", str(tmp_path / "broken.yml")).returncode != 0


def test_the_unit_tests_notice_a_service_down_alert_that_fires_too_early(tmp_path: Path) -> None:
    shutil.copytree(PROMETHEUS, tmp_path / "prometheus")
    alerts = tmp_path / "prometheus" / "rules" / "alerts.yml"
    hasty = alerts.read_text().replace("== 0\n        for: 2m", "== 0\n        for: 1m", 1)
    assert hasty != alerts.read_text()
    alerts.write_text(hasty)
    done = promtool("test", "rules", "tests/alerts_test.yml", cwd=tmp_path / "prometheus")
    assert done.returncode != 0 and "ComplaintServiceDown" in done.stdout + done.stderr


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    checked = [
        {"record": f"dashboard:query:{number}", "expr": as_promql(expr)}
        for number, expr in enumerate(dashboard_exprs())
    ]
    (tmp_path / "dashboard.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": checked}]})
    )
    done = promtool("check", "rules", str(tmp_path / "dashboard.yml"))
    assert done.returncode == 0, done.stdout + done.stderr


# ---- alert rules -----------------------------------------------------------------------------


def readme_anchors() -> set[str]:
    headings = re.findall(r"^#+ (.+)$", (ROOT / "deploy" / "README.md").read_text(), re.M)
    return {
        re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-") for heading in headings
    }


@pytest.mark.parametrize("alert", ALERTS, ids=lambda alert: alert["alert"])
def test_every_alert_has_a_severity_a_summary_and_a_runbook(alert: dict) -> None:
    assert alert["labels"]["severity"] in {"critical", "warning"}
    assert {"summary", "description", "runbook"} <= set(alert["annotations"])
    page, _, anchor = alert["annotations"]["runbook"].partition("#")
    assert page == "deploy/README.md" and anchor in readme_anchors(), f"no section #{anchor}"


def test_every_alert_is_proven_to_fire_by_a_unit_test() -> None:
    cases = yaml.safe_load((PROMETHEUS / "tests" / "alerts_test.yml").read_text())["tests"]
    fired = {
        check["alertname"]
        for case in cases
        for check in case.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    assert {alert["alert"] for alert in ALERTS} == fired


@pytest.mark.parametrize(
    ("concern", "metric"),
    [
        ("service down", "up"),
        ("consumer lag", "complaints_consumer_lag"),
        ("dead-letter growth", "complaints_dead_letters_total"),
        ("SLA breach rate", "policy:complaints_notifier_deadlines_on_time:ratio1h"),
        ("notice failures", "complaints_notifier_notices_failed_total"),
    ],
)
def test_the_alerts_cover_what_the_operators_asked_for(concern: str, metric: str) -> None:
    assert any(metric in referenced(alert["expr"]) for alert in ALERTS), concern


def test_compose_prometheus_scrapes_every_service_with_its_name() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    job = next(job for job in config["scrape_configs"] if job["job_name"] == "complaints")
    targets = {
        target: group["labels"]["service"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert targets == {f"{service}:8000": service for service in SERVICES}


# ---- metric names: one place for each -----------------------------------------------------------


def test_the_rules_and_the_dashboard_use_only_metrics_that_exist() -> None:
    used = set().union(*(referenced(rule["expr"]) for rule in rules("expr")))
    used |= set().union(*(referenced(expr) for expr in dashboard_exprs()))
    unknown = {name for name in used if name not in EXPOSED and name not in RECORDED}
    assert not unknown, f"not defined by any service (yet): {sorted(unknown)}"


def owner(metric: Metric) -> str:
    return metric.where.split("/")[1]  # services/<owner>/src/...


def test_our_metrics_are_named_complaints_and_say_which_service_they_count() -> None:
    """Every series gets the scrape target's `service` label; in the code a metric says its
    service by a `service` label or by its name (complaints_<service>_...). The runtime's
    metrics are every service's, so they need the label."""
    assert METRICS, "no metric found in services/*/src"
    wrong = [m.where for m in METRICS if not m.name.startswith("complaints_")]
    assert not wrong, f"metric names must start with complaints_: {wrong}"
    anonymous = [
        f"{m.name} ({m.where})"
        for m in METRICS
        if "service" not in m.labels
        and (owner(m) == "runtime" or not m.name.startswith(f"complaints_{owner(m)}_"))
    ]
    assert not anonymous, f"neither a `service` label nor the service's name: {anonymous}"


def test_each_metric_name_is_defined_once_with_one_kind_and_one_label_set() -> None:
    by_name: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    for metric in METRICS:
        by_name.setdefault(metric.name, set()).add((metric.kind, metric.labels))
    assert {name: shapes for name, shapes in by_name.items() if len(shapes) > 1} == {}


def test_no_metric_label_or_grouping_can_hold_personal_data() -> None:
    labels = {label for metric in METRICS for label in metric.labels}
    grouped = set()
    for expr in [*(rule["expr"] for rule in rules("expr")), *dashboard_exprs()]:
        for group in re.findall(r"\b(?:by|on|without)\s*\(([^)]*)\)", expr):
            grouped |= {label.strip() for label in group.split(",")}
    assert not (labels | grouped) & PERSONAL


# ---- Grafana -----------------------------------------------------------------------------------


def test_the_dashboard_shows_what_the_operators_asked_for() -> None:
    panels = {panel["title"]: panel for panel in dashboard()["panels"]}
    wanted = {
        "Throughput": "faststream_received_processed_messages_total",
        "SLA on-time rate by policy": "policy:complaints_notifier_deadlines_on_time:ratio1h",
        "Deadline breaches by severity": "complaints_notifier_deadlines_breached_total",
        "Consumer lag": "complaints_consumer_lag",
        "Notice failures by channel": "complaints_notifier_notices_failed_total",
    }
    for title, metric in wanted.items():
        panel = next((p for name, p in panels.items() if name.startswith(title)), None)
        assert panel is not None, f"no panel {title!r}"
        assert any(metric in referenced(t["expr"]) for t in panel["targets"]), title
    breaches = panels["Deadline breaches by severity"]["targets"][0]["expr"]
    assert re.search(r"by \([^)]*\bseverity\b", breaches)


def test_the_dashboard_layout_is_sound() -> None:
    board = dashboard()
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)) and board["uid"]
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24, panel["title"]
        covered = {
            (x, y)
            for x in range(box["x"], box["x"] + box["w"])
            for y in range(box["y"], box["y"] + box["h"])
        }
        assert not covered & cells, f"{panel['title']} overlaps another panel"
        cells |= covered


def test_the_dashboard_queries_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    (source,) = provisioned["datasources"]
    assert source["url"] == "http://prometheus:9090"
    uids = {panel["datasource"]["uid"] for panel in dashboard()["panels"]}
    uids |= {t["datasource"]["uid"] for p in dashboard()["panels"] for t in p["targets"]}
    assert uids == {source["uid"]}


def test_compose_provisions_grafana_with_the_dashboards() -> None:
    grafana = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["grafana"]
    mounts = dict(volume.rsplit(":", 1)[0].split(":") for volume in grafana["volumes"][:2])
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/complaints.yml").read_text())
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert mounts["./deploy/grafana/dashboards"] == provider["providers"][0]["options"]["path"]
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"

"""The Kubernetes manifests: valid against the Kubernetes schemas (kubernetes-validate bundles
them, no cluster or network needed) and consistent with each other, the images and the data."""

from __future__ import annotations

import copy
import json
import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from complaint_events import TOPICS
from complaint_runtime.auth import KeysFile
from deploy.k8s.render_config import OUTPUT, policy_config_map_name, policy_ids, render
from tests.unit.test_deploy_dockerfile import APP_UID, SERVICES, STAGES, chain

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OLDEST_SUPPORTED = "1.29.0"
Doc = dict[str, Any]


def documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def kustomize() -> list[Doc]:
    """What `kubectl apply -k deploy/k8s` applies, for a kustomization of resources only."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "namespace", "resources"}, (
        "this test renders only `namespace` and `resources`; render other fields here too"
    )
    rendered = []
    for resource in kustomization["resources"]:
        for doc in documents(K8S / resource):
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kustomization["namespace"]
            rendered.append(doc)
    return rendered


APPLIED = kustomize()
SECRETS = {doc["metadata"]["name"]: doc for doc in documents(K8S / "secrets.example.yaml")}
OPTIONAL_FILES = [K8S / "jobs" / "create-topics.yaml"]


def named(kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in APPLIED if doc["kind"] == kind}


DEPLOYMENTS, CONFIG_MAPS = named("Deployment"), named("ConfigMap")
RUNTIME = CONFIG_MAPS["complaints-runtime"]["data"]


def pod(service: str) -> Doc:
    return DEPLOYMENTS[service]["spec"]["template"]


def container(service: str) -> Doc:
    (only,) = pod(service)["spec"]["containers"]
    return only


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


# ---- the set of files and their schemas ----------------------------------------------------------


def test_kustomization_applies_every_manifest_but_the_examples() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    on_disk = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk - listed == {"secrets.example.yaml"}


@pytest.mark.parametrize("version", [OLDEST_SUPPORTED, kubernetes_validate.latest_version()])
def test_every_manifest_matches_the_kubernetes_schemas(version: str) -> None:
    extra = [doc for path in OPTIONAL_FILES for doc in documents(path)]
    for doc in [*APPLIED, *SECRETS.values(), *extra]:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_refuses_a_misspelt_field() -> None:
    broken = copy.deepcopy(DEPLOYMENTS["intake"])
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, OLDEST_SUPPORTED, strict=True)


def test_each_service_has_a_deployment_a_service_and_a_disruption_budget() -> None:
    for kind in ["Deployment", "Service", "PodDisruptionBudget"]:
        assert set(named(kind)) == set(SERVICES), kind


# ---- each service's pods -------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_probes_ask_liveness_and_readiness_on_the_http_port(service: str) -> None:
    main = container(service)
    (port,) = main["ports"]
    assert port == {"name": "http", "containerPort": int(RUNTIME["HTTP_PORT"]), "protocol": "TCP"}
    paths = {
        probe: (main[probe]["httpGet"]["path"], main[probe]["httpGet"]["port"])
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"]
    }
    assert paths == {
        "startupProbe": ("/health/live", "http"),
        "livenessProbe": ("/health/live", "http"),
        "readinessProbe": ("/health/ready", "http"),
    }
    annotations = pod(service)["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == RUNTIME["HTTP_PORT"]
    assert annotations["prometheus.io/path"] == "/metrics"


def _quantity(value: str) -> float:
    units = {"Mi": 2**20, "Gi": 2**30, "m": 1e-3}
    for suffix, factor in units.items():
        if value.endswith(suffix):
            return float(value.removesuffix(suffix)) * factor
    return float(value)


@pytest.mark.parametrize("service", SERVICES)
def test_resources_are_requested_and_memory_is_capped(service: str) -> None:
    resources = container(service)["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    limit, request = resources["limits"]["memory"], resources["requests"]["memory"]
    assert _quantity(limit) >= _quantity(request)


@pytest.mark.parametrize("service", SERVICES)
def test_pods_meet_the_restricted_pod_security_standard(service: str) -> None:
    spec, main = pod(service)["spec"], container(service)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == APP_UID
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    assert main["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    namespace = named("Namespace")["complaints"]["metadata"]["labels"]
    assert namespace["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_is_the_dockerfile_target_of_the_service(service: str) -> None:
    image = container(service)["image"]
    assert image.split(":")[0] == f"complaint-{service}" and service in STAGES


@pytest.mark.parametrize("service", SERVICES)
def test_shutdown_fits_in_the_grace_period(service: str) -> None:
    pause = container(service)["lifecycle"]["preStop"]["exec"]["command"]
    assert pause[0] == "sleep"
    needed = float(RUNTIME["SHUTDOWN_GRACE_SECONDS"]) + float(pause[1])
    assert pod(service)["spec"]["terminationGracePeriodSeconds"] > needed


@pytest.mark.parametrize("service", SERVICES)
def test_service_and_budget_select_exactly_the_pods_of_their_deployment(service: str) -> None:
    selectors = [
        named("Service")[service]["spec"]["selector"],
        named("PodDisruptionBudget")[service]["spec"]["selector"]["matchLabels"],
        DEPLOYMENTS[service]["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        chosen = {name for name in SERVICES if matches(selector, pod(name)["metadata"]["labels"])}
        assert chosen == {service}
    assert named("Service")[service]["spec"]["ports"][0]["targetPort"] == "http"


# ---- scaling -----------------------------------------------------------------------------------


def partitions_read_by(service: str) -> int:
    return max(spec.partitions for spec in TOPICS if service in spec.consumers)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_runs_at_least_two_replicas_set_in_one_place(service: str) -> None:
    autoscaler = named("HorizontalPodAutoscaler").get(service)
    replicas = DEPLOYMENTS[service]["spec"].get("replicas")
    if autoscaler is None:
        assert replicas is not None and replicas >= 2
    else:
        assert replicas is None, "the autoscaler owns replicas; apply would reset them"
        assert autoscaler["spec"]["minReplicas"] >= 2


@pytest.mark.parametrize("name", sorted(named("HorizontalPodAutoscaler")))
def test_autoscalers_target_a_deployment_within_its_partitions(name: str) -> None:
    spec = named("HorizontalPodAutoscaler")[name]["spec"]
    target = spec["scaleTargetRef"]
    assert target["kind"] == "Deployment" and target["name"] in DEPLOYMENTS
    assert spec["maxReplicas"] <= partitions_read_by(target["name"])


# ---- what the pods read: ConfigMaps, Secrets, data files ---------------------------------------


def references(service: str) -> list[tuple[str, str, bool]]:
    """(kind, name, optional) of every ConfigMap and Secret the pod reads."""
    found = []
    for source in container(service).get("envFrom", []):
        for key, kind in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")]:
            if key in source:
                ref = source[key]
                found.append((kind, ref["name"], ref.get("optional", False)))
    for volume in pod(service)["spec"]["volumes"]:
        if "configMap" in volume:
            found.append(("ConfigMap", volume["configMap"]["name"], False))
        if "secret" in volume:
            ref = volume["secret"]
            found.append(("Secret", ref["secretName"], ref.get("optional", False)))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_config_map_and_secret_a_pod_reads_is_defined(service: str) -> None:
    for kind, name, _ in references(service):
        defined = CONFIG_MAPS if kind == "ConfigMap" else SECRETS
        assert name in defined, f"{service} reads {kind} {name}, defined nowhere"


def test_every_example_secret_is_read_by_some_service() -> None:
    read = {name for service in SERVICES for kind, name, _ in references(service)}
    assert set(SECRETS) <= read


def test_the_config_map_file_is_rendered_from_the_current_data() -> None:
    assert OUTPUT.read_text() == render(), "run: uv run python -m deploy.k8s.render_config"
    for policy in policy_ids():
        assert policy_config_map_name(policy) in CONFIG_MAPS


def image_env(service: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for stage in chain(STAGES, service):
        for step in stage.of("ENV"):
            env |= dict(word.split("=", 1) for word in shlex.split(step.args))
    return env


def config_map_mounts(service: str) -> dict[str, str]:
    """mount path → ConfigMap name."""
    volumes = {
        volume["name"]: volume["configMap"]["name"]
        for volume in pod(service)["spec"]["volumes"]
        if "configMap" in volume
    }
    return {
        mount["mountPath"]: volumes[mount["name"]]
        for mount in container(service)["volumeMounts"]
        if mount["name"] in volumes
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_data_file_the_image_points_at_comes_from_a_config_map(service: str) -> None:
    env = image_env(service) | {e["name"]: e["value"] for e in container(service).get("env", [])}
    mounts = config_map_mounts(service)
    for variable, path in env.items():
        if not path.startswith("/app/deploy/"):
            continue
        if path.endswith("/policies"):
            expected = {f"{path}/{p}": policy_config_map_name(p) for p in policy_ids()}
            assert expected.items() <= mounts.items(), f"{service}: {variable} not all mounted"
        elif path.endswith(".yaml"):
            folder, _, key = path.rpartition("/")
            assert key in CONFIG_MAPS[mounts[folder]]["data"], f"{service}: {variable}"
        else:
            assert path in mounts, f"{service}: {variable}={path} is not a mounted ConfigMap"


def test_the_classifier_is_told_to_use_policies_that_exist() -> None:
    env = {variable["name"]: variable["value"] for variable in container("classifier")["env"]}
    chosen = {
        env["CLASSIFIER_DEFAULT_POLICY"],
        *json.loads(env["CLASSIFIER_POLICY_BY_SOURCE"]).values(),
    }
    assert chosen <= set(policy_ids())


def test_the_example_api_keys_file_has_the_format_the_services_read() -> None:
    KeysFile.model_validate(
        yaml.safe_load(SECRETS["complaints-api-keys"]["stringData"]["api-keys.yaml"])
    )


# ---- optional extras -----------------------------------------------------------------------------


def test_the_pod_monitor_scrapes_every_service_on_its_http_port() -> None:
    (monitor,) = documents(K8S / "monitoring" / "podmonitor.yaml")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert all(matches(selector, pod(service)["metadata"]["labels"]) for service in SERVICES)
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    relabelled = {rule["targetLabel"]: rule for rule in endpoint["relabelings"]}
    assert relabelled["job"]["replacement"] == "complaints"
    assert relabelled["service"]["sourceLabels"] == [
        "__meta_kubernetes_pod_label_app_kubernetes_io_name"
    ]


def test_the_topics_job_runs_the_tools_image_unprivileged() -> None:
    (job,) = documents(K8S / "jobs" / "create-topics.yaml")
    spec = job["spec"]["template"]["spec"]
    (main,) = spec["containers"]
    assert main["image"].split(":")[0] == "complaint-tools" and "tools" in STAGES
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert main["securityContext"]["allowPrivilegeEscalation"] is False

"""Names in deadlines.yaml and directory.yaml agree with each policy's classification.yaml."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from complaint_notifier.domain import DeadlinePolicy, Directory
from complaint_notifier.domain.classification import LEADER_REVIEW_FLAG

pytestmark = pytest.mark.unit

PRESETS = [
    "pharma-quality",
    "manufacturing-quality",
    "hospital",
    "telecom-network",
    "public-regulator",
    "retail-service",
]
ACCEPTANCE = {"accept", "transfer", "refuse"}


def classification(deploy_dir: Path, policy_id: str) -> dict[str, Any]:
    path = deploy_dir / "policies" / policy_id / "classification.yaml"
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def ids(entries: list[dict[str, Any]] | None) -> set[str]:
    return {str(entry["id"]) for entry in entries or ()}


def declared(spec: dict[str, Any]) -> dict[str, set[str]]:
    """Every name the classifier can put on a complaint of this policy, by field."""
    flags = ids(spec.get("flags")) | {LEADER_REVIEW_FLAG}
    flags |= (
        {str(spec["multiple_departments_flag"])} if spec.get("multiple_departments_flag") else set()
    )
    flags |= {str(derived["flag"]) for derived in spec.get("derived_flags") or ()}
    for effects in [rule.get("then", {}) for rule in spec.get("rules") or ()] + [
        cluster.get("then", {}) for cluster in spec.get("clusters") or ()
    ]:
        flags |= {str(flag) for flag in effects.get("flags") or ()}
    return {
        "severity": {str(level["id"]) for level in spec["severity"]["levels"]},
        "category": ids(spec.get("categories")),
        "department": ids(spec.get("departments")),
        "flags": flags,
        "acceptance": ACCEPTANCE,
    }


@pytest.mark.parametrize("policy_id", PRESETS)
def test_conditions_use_the_classifiers_names(
    deploy_dir: Path, policies: dict[str, DeadlinePolicy], policy_id: str
) -> None:
    known = declared(classification(deploy_dir, policy_id))
    unknown: dict[str, set[str]] = {}
    for condition in policies[policy_id].conditions():
        for field, names in condition.names().items():
            if names - known[field]:
                unknown.setdefault(field, set()).update(names - known[field])
    assert unknown == {}


def test_directory_departments_are_departments_of_some_policy(
    deploy_dir: Path, directory: Directory
) -> None:
    written = [deploy_dir / "policies" / p / "classification.yaml" for p in PRESETS]
    if not all(path.exists() for path in written):
        pytest.skip("not every classification.yaml is written yet")
    departments = set().union(
        *(declared(classification(deploy_dir, p))["department"] for p in PRESETS)
    )
    named = {dept for role in directory.roles.values() for dept in role.departments}
    assert named - departments == set()

"""Loading policies: presets load; a bad policy names its file and the field at fault."""

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from complaint_classifier.domain import Policy, PolicyError, load_policies, load_policy

pytestmark = pytest.mark.unit

POLICIES = Path(__file__).resolve().parents[3] / "deploy" / "policies"
PRESETS = {
    "pharma-quality",
    "manufacturing-quality",
    "hospital",
    "telecom-network",
    "public-regulator",
    "retail-service",
}


def test_the_six_presets_load_under_their_folder_names() -> None:
    policies = load_policies(POLICIES)

    assert set(policies) == PRESETS
    for policy_id, policy in policies.items():
        assert policy.id == policy_id
        assert policy.source.endswith(f"{policy_id}/classification.yaml")


def test_the_version_is_the_sha256_of_the_file_bytes() -> None:
    path = POLICIES / "hospital" / "classification.yaml"

    policy = load_policy(path)

    assert policy.version == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_changed_byte_changes_the_version(tmp_path: Path) -> None:
    original = (POLICIES / "hospital" / "classification.yaml").read_bytes()
    copy = tmp_path / "classification.yaml"
    copy.write_bytes(original + b"\n# a comment\n")

    assert (
        load_policy(copy).version != load_policy(POLICIES / "hospital/classification.yaml").version
    )


def _error(
    base_data: Callable[..., dict[str, Any]],
    build_policy: Callable[..., Policy],
    **overrides: Any,
) -> str:
    with pytest.raises(PolicyError) as caught:
        build_policy(base_data(**overrides), "deploy/policies/test/classification.yaml")
    return str(caught.value)


def _rules(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    first = {"id": "ok", "when": {"keywords": ["x"]}, "then": {"severity": "mid"}}
    return [first, *extra]


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        (
            {"id": "r", "when": {"keywords": ["x"]}, "then": {"category": "packagin"}},
            "rules[1].then.category",
            "unknown category 'packagin'",
        ),
        (
            {"id": "r", "when": {"keywords": {"terms": ["x", False]}}, "then": {}},
            "rules[1].when.keywords.terms[1]",
            "valid string",
        ),
        (
            {"id": "r", "when": {"regex": "(unclosed"}, "then": {}},
            "rules[1].when.regex.pattern",
            "invalid regular expression",
        ),
        (
            {"id": "r", "when": {"field": {"path": "request.amout", "gte": 5}}, "then": {}},
            "rules[1].when.field.path",
            "unknown submission field 'request.amout'",
        ),
        (
            {"id": "r", "when": {"all": [{"keywords": ["x"], "regex": "y"}]}, "then": {}},
            "rules[1].when.all[0]",
            "exactly one of",
        ),
        (
            {"id": "r", "when": {"flags": {"any": ["medai"]}}, "then": {}},
            "rules[1].when.flags.any[0]",
            "unknown flag 'medai'",
        ),
        (
            {"id": "r", "when": {"severity": {"at_least": "mid"}}, "then": {}},
            "rules[1].when",
            "derived_flags only",
        ),
        (
            {"id": "r", "when": {"field": {"path": "kind"}}, "then": {}},
            "rules[1].when.field",
            "needs an operator",
        ),
        (
            {"id": "ok", "when": {"keywords": ["y"]}, "then": {}},
            "rules[1].id",
            "duplicate id 'ok'",
        ),
        (
            {
                "id": "r",
                "when": {"keywords": ["x"]},
                "then": {"acceptance": {"decision": "refuse"}},
            },
            "rules[1].then.acceptance",
            "needs a ground",
        ),
    ],
)
def test_a_bad_rule_is_reported_with_file_and_field(
    base_data: Callable[..., dict[str, Any]],
    build_policy: Callable[..., Policy],
    rule: dict[str, Any],
    field: str,
    message: str,
) -> None:
    error = _error(base_data, build_policy, rules=_rules(rule))

    assert f"deploy/policies/test/classification.yaml: {field}: " in error
    assert message in error


def test_a_refusal_may_not_depend_on_anonymity(
    base_data: Callable[..., dict[str, Any]], build_policy: Callable[..., Policy]
) -> None:
    refusing = {
        "id": "no-anonymous",
        "when": {"field": {"path": "complainant.anonymous", "eq": True}},
        "then": {"acceptance": {"decision": "refuse", "ground": "missing"}},
    }
    acceptance = {
        "refusal_grounds": [{"id": "missing"}],
        "never_refuse_on": ["complainant"],
    }

    error = _error(base_data, build_policy, rules=_rules(refusing), acceptance=acceptance)

    assert "rules[1].then.acceptance: a refusal may not depend on 'complainant.anonymous'" in error


def test_a_cluster_key_may_not_hold_personal_data(
    base_data: Callable[..., dict[str, Any]], build_policy: Callable[..., Policy]
) -> None:
    cluster = {
        "id": "by-phone",
        "kind": "repeat",
        "key": ["complainant.phone", "category"],
        "window_days": 30,
        "threshold": 3,
        "then": {"upgrade_levels": 1},
    }

    error = _error(base_data, build_policy, clusters=[cluster])

    assert "clusters[0].key[0]: 'complainant.phone' is personal data" in error


def test_a_derived_flag_may_not_also_be_set_by_a_rule(
    base_data: Callable[..., dict[str, Any]], build_policy: Callable[..., Policy]
) -> None:
    derived = [{"flag": "injury", "when": {"severity": {"at_least": "mid"}}}]

    error = _error(base_data, build_policy, derived_flags=derived)

    assert "derived_flags[0].flag: 'injury' is also set by a rule or cluster" in error


def test_every_problem_is_listed_not_only_the_first(
    base_data: Callable[..., dict[str, Any]], build_policy: Callable[..., Policy]
) -> None:
    error = _error(
        base_data,
        build_policy,
        defaults={"severity": "worst", "category": "nope", "department": "desk"},
    )

    assert "defaults.severity: unknown severity 'worst'" in error
    assert "defaults.category: unknown category 'nope'" in error


def test_yaml_no_is_a_boolean_and_is_caught(tmp_path: Path) -> None:
    # YAML 1.1 reads an unquoted `no` as false: the policy must quote it.
    path = tmp_path / "classification.yaml"
    path.write_text(
        (POLICIES / "telecom-network" / "classification.yaml")
        .read_text(encoding="utf-8")
        .replace('cues: ["no", "not"', "cues: [no, not"),
        encoding="utf-8",
    )

    with pytest.raises(PolicyError, match=r"negation\.languages\.en\.cue_sets\[0\]\.cues\[0\]"):
        load_policy(path)


def test_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "classification.yaml"
    path.write_text("policy_id: a\npolicy_id: b\n", encoding="utf-8")

    with pytest.raises(PolicyError, match="duplicate key 'policy_id'"):
        load_policy(path)


def test_a_policy_in_the_wrong_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "not-hospital"
    folder.mkdir()
    (folder / "classification.yaml").write_bytes(
        (POLICIES / "hospital" / "classification.yaml").read_bytes()
    )

    with pytest.raises(PolicyError, match="policy_id: 'hospital' differs from its folder's name"):
        load_policies(tmp_path)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "classification.yaml"
    path.write_text(yaml.safe_dump(["a", "list"]), encoding="utf-8")

    with pytest.raises(PolicyError, match="<root>: the file must hold a mapping"):
        load_policy(path)

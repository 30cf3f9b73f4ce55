"""The worked example of docs/POLICIES.md (docs/examples/policies/property-management) loads in
all three services, classifies as the guide says, and deploy/check_policies.py tells a good
folder from a bad one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from complaint_classifier.domain import classify, load_policies
from deploy.check_policies import main as check_policies

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples" / "policies"
EXAMPLE = EXAMPLES / "property-management"
GUIDE = ROOT / "docs" / "POLICIES.md"


@pytest.mark.parametrize(
    ("text", "severity", "category", "flags"),
    [
        ("楼道垃圾三天没人清理，保洁也不见人。", "department", "management_service", set()),
        (
            "新交的房子客厅墙面开裂，卫生间渗水到楼下。",
            "department",
            "building_quality",
            {"developer_report"},
        ),
        (
            "小区外工地夜里施工噪音太大，影响休息。",
            "department",
            "external_environment",
            {"special_report"},
        ),
        ("电梯坏了多次反映，一直没解决。", "manager", "management_service", {"hard_to_resolve"}),
        ("我已经打了市长热线，电梯还是坏的。", "vice_gm", "management_service", {"upper_level"}),
        ("The lift has been out of order for a week.", "department", "management_service", set()),
        ("卫生间水管漏水，请派人维修。", "department", "management_service", set()),
    ],
)
def test_the_example_policy_classifies_as_the_guide_says(
    text: str, severity: str, category: str, flags: set[str]
) -> None:
    policy = load_policies(EXAMPLES)["property-management"]
    result = classify(policy, {"description": text})
    assert (result.severity, result.category, set(result.flags)) == (severity, category, flags)


def test_the_guide_shows_the_example_files_as_they_are() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for name in ("classification.yaml", "deadlines.yaml", "retention.yaml"):
        assert f"docs/examples/policies/property-management/{name}" in guide, name
    assert "uv run python -m deploy.check_policies docs/examples/policies" in guide


def test_the_check_passes_the_example_and_the_shipped_presets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check_policies([str(EXAMPLES)]) == 0
    assert capsys.readouterr().out == "property-management: classification, deadlines, retention\n"
    assert check_policies([]) == 0
    assert capsys.readouterr().out.count(": classification, deadlines, retention") == 6


def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "policies")
    path = tmp_path / "policies" / "property-management" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "policies"


@pytest.mark.parametrize(
    ("file", "old", "new", "said"),
    [
        (
            "deadlines.yaml",
            "severity: [manager, vice_gm]",
            "severity: [manager, vice_gmm]",
            "severity 'vice_gmm' is not declared",
        ),
        (
            "deadlines.yaml",
            "roles: [senior_management, complaint_desk]",
            "roles: [senior_mgmt]",
            "names roles the directory lacks: ['senior_mgmt']",
        ),
        ("deadlines.yaml", "unit: working_days", "unit: fortnights", "unit"),
        (
            "classification.yaml",
            "then: {category: management_service}",
            "then: {category: management}",
            "unknown category 'management'",
        ),
        ("retention.yaml", "years_after_closure: 5", "years_after_closure: -5", "retain"),
    ],
)
def test_the_check_names_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, old: str, new: str, said: str
) -> None:
    assert check_policies([str(broken_copy(tmp_path, file, old, new))]) == 1
    assert said in capsys.readouterr().out


def test_the_check_refuses_a_folder_without_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_policies([str(tmp_path)]) == 1
    assert check_policies([str(tmp_path / "missing")]) == 1
    assert "no such folder" in capsys.readouterr().out


def test_the_check_names_a_routing_entry_without_its_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "policies")
    routing = tmp_path / "policies" / "routing.yaml"
    routing.write_text("default: property-management\nsources: {pms: property-mgmt}\n")
    assert check_policies([str(tmp_path / "policies")]) == 1
    assert "routing.yaml: sources.pms: no policy 'property-mgmt'" in capsys.readouterr().out
    routing.unlink()
    assert check_policies([str(tmp_path / "policies")]) == 1
    assert "routing.yaml: missing" in capsys.readouterr().out

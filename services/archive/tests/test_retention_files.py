"""The retention files the presets ship, and the errors a bad one gives."""

import pytest

from complaint_archive.adapters.policies import RetentionFileError, load_retention
from complaint_archive.domain import RetentionRule
from complaint_runtime import DATA_DIR

pytestmark = pytest.mark.unit
PRESETS = {
    "pharma-quality",
    "manufacturing-quality",
    "hospital",
    "telecom-network",
    "public-regulator",
    "retail-service",
}


def test_every_preset_has_a_retention_rule():
    policies = load_retention(DATA_DIR / "policies", default_years=5)
    assert set(policies.by_policy) == PRESETS
    assert policies.rule_for("pharma-quality") == RetentionRule(
        years_after_closure=1, years_after_product_expiry=1
    )
    assert policies.rule_for("hospital") == RetentionRule(years_after_closure=5)
    assert policies.rule_for("unknown") == RetentionRule(years_after_closure=5)


def test_a_bad_file_names_itself_and_the_field(tmp_path):
    folder = tmp_path / "hospital"
    folder.mkdir()
    (folder / "retention.yaml").write_text(
        "policy_id: hospital\nretain: {years_after_closure: -1}\n", encoding="utf-8"
    )
    with pytest.raises(
        RetentionFileError, match=r"(?s)hospital/retention.yaml.*years_after_closure"
    ):
        load_retention(tmp_path, default_years=5)


def test_a_file_in_the_wrong_folder_is_refused(tmp_path):
    folder = tmp_path / "retail-service"
    folder.mkdir()
    (folder / "retention.yaml").write_text(
        "policy_id: hospital\nretain: {years_after_closure: 5}\n", encoding="utf-8"
    )
    with pytest.raises(RetentionFileError, match="differs from its folder"):
        load_retention(tmp_path, default_years=5)


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(RetentionFileError, match="POLICIES_DIR"):
        load_retention(tmp_path / "nowhere", default_years=5)

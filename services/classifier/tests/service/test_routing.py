"""Which policy a complaint gets: the one its submission names, else the routing file's entry
for its source system (the environment's over the file's), else the routing default."""

import shutil
from pathlib import Path

import pytest

from complaint_classifier.adapters.policies import load_book
from complaint_classifier.service_layer import ConfigurationError
from complaint_classifier.settings import ClassifierSettings

pytestmark = pytest.mark.unit
POLICIES = Path(__file__).resolve().parents[4] / "deploy" / "policies"


def folder(tmp_path: Path, routing: str | None) -> Path:
    for preset in ("hospital", "pharma-quality", "retail-service"):
        shutil.copytree(POLICIES / preset, tmp_path / preset)
    if routing is not None:
        (tmp_path / "routing.yaml").write_text(routing)
    return tmp_path


def settings(policies: Path, **extra: object) -> ClassifierSettings:
    return ClassifierSettings(policies_dir=policies, **extra)  # type: ignore[arg-type]


def test_the_shipped_routing_file_routes_to_a_shipped_policy() -> None:
    book = load_book(settings(POLICIES))
    assert book.default in book.policies
    assert set(book.by_source.values()) <= set(book.policies)


def test_a_named_policy_wins_over_the_routing(tmp_path: Path) -> None:
    book = load_book(
        settings(folder(tmp_path, "default: retail-service\nsources: {his: hospital}\n"))
    )
    assert book.for_submission("his", "pharma-quality").id == "pharma-quality"
    assert book.for_submission("his", None).id == "hospital"
    assert book.for_submission("unknown-system", None).id == "retail-service"


def test_the_environment_routes_over_the_file(tmp_path: Path) -> None:
    policies = folder(tmp_path, "default: retail-service\nsources: {his: hospital}\n")
    book = load_book(
        settings(policies, policy_by_source={"his": "pharma-quality"}, default_policy="hospital")
    )
    assert book.for_submission("his", None).id == "pharma-quality"
    assert book.for_submission("other", None).id == "hospital"


def test_a_malformed_routing_file_is_named(tmp_path: Path) -> None:
    policies = folder(tmp_path, "default: retail-service\nsourcs: {}\n")
    with pytest.raises(ConfigurationError) as refused:
        load_book(settings(policies))
    assert "routing.yaml" in str(refused.value) and "sourcs" in str(refused.value)

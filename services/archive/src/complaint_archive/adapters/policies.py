"""Reading the retention rule of each policy from `<POLICIES_DIR>/<policy-id>/retention.yaml`."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from ..domain import RetentionFile, RetentionPolicies, RetentionRule

FILE_NAME = "retention.yaml"


class RetentionFileError(ValueError):
    """A retention file that cannot be used; the message names the file and the field."""


def load_retention(policies_dir: Path, *, default_years: int) -> RetentionPolicies:
    """Every policy's rule; a policy without a file keeps complaints `default_years` after
    they ended."""
    if not policies_dir.is_dir():
        raise RetentionFileError(f"{policies_dir}: no such folder (set POLICIES_DIR)")
    rules: dict[str, RetentionRule] = {}
    for path in sorted(policies_dir.glob(f"*/{FILE_NAME}")):
        parsed = _read(path)
        rules[parsed.policy_id] = parsed.retain
    return RetentionPolicies(RetentionRule(years_after_closure=default_years), rules)


def _read(path: Path) -> RetentionFile:
    try:
        parsed = RetentionFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise RetentionFileError(f"{path}: {error}") from error
    if parsed.policy_id != path.parent.name:
        raise RetentionFileError(
            f"{path}: policy_id {parsed.policy_id!r} differs from its folder {path.parent.name!r}"
        )
    return parsed

"""Reading what intake checks commands against from `<POLICIES_DIR>/<policy-id>/`:
the names `classification.yaml` declares and the steps `lifecycle.yaml` adds (optional)."""

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from complaint_events import LIFECYCLE_COMMANDS

from ..domain.lifecycle import Steps
from ..domain.policy_terms import Policies, PolicyTerms

M = TypeVar("M", bound=BaseModel)
CLASSIFICATION, LIFECYCLE = "classification.yaml", "lifecycle.yaml"
CLASSIFIER_FLAGS = frozenset({"needs_leader_review", "no_rule_matched"})
"""Flags the classifier itself may set on any policy's complaints."""


class PolicyFileError(ValueError):
    """A policy file intake cannot use; the message names the file and the field."""


class _Named(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str


class _Derived(BaseModel):
    model_config = ConfigDict(extra="ignore")
    flag: str


class _Vocabulary(BaseModel):
    """The parts of classification.yaml intake reads (the classifier validates the rest)."""

    model_config = ConfigDict(extra="ignore")

    class _Severity(BaseModel):
        levels: list[_Named] = Field(min_length=1)

    class _Acceptance(BaseModel):
        model_config = ConfigDict(extra="ignore")
        transfer_bodies: list[_Named] = Field(default_factory=list)

    class _Multiple(BaseModel):
        model_config = ConfigDict(extra="ignore")
        flag: str

    policy_id: str
    severity: _Severity
    departments: list[_Named] = Field(default_factory=list)
    categories: list[_Named] = Field(default_factory=list)
    flags: list[_Named] = Field(default_factory=list)
    derived_flags: list[_Derived] = Field(default_factory=list)
    multiple_departments: _Multiple | None = None
    acceptance: _Acceptance = Field(default_factory=_Acceptance)


class LifecycleFile(BaseModel):
    """`lifecycle.yaml`: steps a policy adds to the lifecycle's order."""

    model_config = ConfigDict(extra="forbid")

    policy_id: str
    requires: dict[str, list[str]] = Field(
        default_factory=dict, description="command → the commands it needs first"
    )
    reply_needs_approval: bool = Field(False, description="every reply names its approver")
    transfer_bodies: list[_Named] = Field(
        default_factory=list, description="bodies a complaint may be handed to (by id)"
    )

    @model_validator(mode="after")
    def _known_commands(self) -> "LifecycleFile":
        for command, needed in self.requires.items():
            for name in (command, *needed):
                if name not in LIFECYCLE_COMMANDS:
                    raise ValueError(f"requires: unknown command {name!r}")
        return self


def load_policies(policies_dir: Path) -> Policies:
    """Every policy in the folder; an unreadable file stops the service, naming it."""
    if not policies_dir.is_dir():
        raise PolicyFileError(f"{policies_dir}: no such folder (set POLICIES_DIR)")
    found: dict[str, PolicyTerms] = {}
    for path in sorted(policies_dir.glob(f"*/{CLASSIFICATION}")):
        terms = _terms(path)
        found[terms.policy_id] = terms
    return Policies(found)


def _terms(path: Path) -> PolicyTerms:
    vocabulary = _read(path, _Vocabulary)
    steps_file = path.parent / LIFECYCLE
    steps = _read(steps_file, LifecycleFile) if steps_file.exists() else None
    for parsed, where in ((vocabulary, path), (steps, steps_file)):
        if parsed is not None and parsed.policy_id != path.parent.name:
            raise PolicyFileError(f"{where}: policy_id {parsed.policy_id!r} is not its folder's")
    flags = {flag.id for flag in vocabulary.flags} | CLASSIFIER_FLAGS
    flags |= {derived.flag for derived in vocabulary.derived_flags}
    if vocabulary.multiple_departments is not None:
        flags.add(vocabulary.multiple_departments.flag)
    bodies = vocabulary.acceptance.transfer_bodies + (steps.transfer_bodies if steps else [])
    return PolicyTerms(
        policy_id=vocabulary.policy_id,
        severities=tuple(level.id for level in vocabulary.severity.levels),
        categories=frozenset(category.id for category in vocabulary.categories),
        departments=frozenset(department.id for department in vocabulary.departments),
        flags=frozenset(flags),
        transfer_bodies=frozenset(body.id for body in bodies),
        steps=_steps(steps),
    )


def _steps(parsed: LifecycleFile | None) -> Steps:
    if parsed is None:
        return Steps()
    requires = {command: frozenset(needed) for command, needed in parsed.requires.items()}
    return Steps(requires, parsed.reply_needs_approval)


def _read(path: Path, model: type[M]) -> M:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise PolicyFileError(f"{path}: {error}") from error

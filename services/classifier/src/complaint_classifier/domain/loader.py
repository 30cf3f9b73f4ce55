"""Read policy files: YAML in, a checked and compiled `Policy` out, or a `PolicyError`
naming the file and the field."""

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .policy import Policy, build_policy
from .references import Problem, check
from .spec import PolicySpec

POLICY_FILE = "classification.yaml"


class PolicyError(ValueError):
    """A policy that cannot be used; `str()` gives one `file: field: message` line per problem."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p.field}: {p.message}" for p in problems))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice (PyYAML keeps the last silently)."""


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    return policy_from_bytes(path.read_bytes(), source=str(path))


def policy_from_bytes(content: bytes, *, source: str) -> Policy:
    try:
        data = yaml.load(content, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise PolicyError(source, [Problem("<yaml>", str(error).replace("\n", " "))]) from None
    if not isinstance(data, Mapping):
        raise PolicyError(source, [Problem("<root>", "the file must hold a mapping")])
    version = "sha256:" + hashlib.sha256(content).hexdigest()
    return policy_from_mapping(data, version=version, source=source)


def policy_from_mapping(data: Mapping[str, Any], *, version: str, source: str) -> Policy:
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as error:
        raise PolicyError(source, [_problem(item) for item in error.errors()]) from None
    problems = check(spec)
    if problems:
        raise PolicyError(source, problems)
    return build_policy(spec, version=version, source=source)


def load_policies(root: str | Path) -> dict[str, Policy]:
    """One policy per `<policy-id>/classification.yaml` under `root`, by policy id."""
    policies: dict[str, Policy] = {}
    for path in sorted(Path(root).glob(f"*/{POLICY_FILE}")):
        policy = load_policy(path)
        if policy.id != path.parent.name:
            problem = Problem("policy_id", f"{policy.id!r} differs from its folder's name")
            raise PolicyError(str(path), [problem])
        policies[policy.id] = policy
    return policies


def _problem(error: Any) -> Problem:
    return Problem(_dotted(error["loc"]), error["msg"])


def _dotted(location: tuple[Any, ...]) -> str:
    """('rules', 3, 'when', 'keywords', 'keywords', 'terms', 0) -> rules[3].when.keywords.terms[0]

    A tagged union repeats its tag in the location; the repeat is dropped.
    """
    text = ""
    previous: Any = None
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != previous:
            text += f".{part}" if text else str(part)
        previous = part
    return text or "<root>"

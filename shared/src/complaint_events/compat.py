"""Backward-compatibility check between two versions of a JSON Schema.

Breaking: a field removed, an optional field made required (or a required one added), a type
narrowed (a JSON type no longer allowed), an enum value removed, a constraint tightened.
Compatible: new optional fields, widened types, new enum values, looser constraints, and an
integer bounded to 64 bits (the widest integer MongoDB stores: a larger one never got through).
"""

from typing import Any

from .fields import INT64_MAX

Schema = dict[str, Any]

_NEVER_LOWER = ("maxLength", "maxItems", "maximum", "exclusiveMaximum")
_NEVER_HIGHER = ("minLength", "minItems", "minimum", "exclusiveMinimum")
_NEVER_CHANGED = ("pattern", "format", "const", "contentEncoding")


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What in `new` would refuse messages valid under `old` or drop a field `old` had."""
    return _Comparison(old, new).compare(old, new, "$")


def breaking_changes_between_sets(old: dict[str, Schema], new: dict[str, Schema]) -> list[str]:
    """Compare schema files by name; a schema that disappeared is breaking too."""
    problems = [f"{name}: schema removed" for name in sorted(old.keys() - new.keys())]
    for name in sorted(old.keys() & new.keys()):
        problems += [f"{name}: {problem}" for problem in breaking_changes(old[name], new[name])]
    return problems


class _Comparison:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)

    def compare(self, old: Schema, new: Schema, path: str) -> list[str]:
        old_branches = self._branches(old, self.roots[0])
        new_branches = self._branches(new, self.roots[1])
        problems: list[str] = []
        for branch in old_branches:
            match = _matching_branch(branch, new_branches)
            if match is None:
                problems.append(f"{path}: type narrowed ({_kind(branch)} no longer allowed)")
            else:
                problems += self._compare_same_kind(branch, match, path)
        return problems

    def _compare_same_kind(self, old: Schema, new: Schema, path: str) -> list[str]:
        problems = _tightened_constraints(old, new, path)
        if _kind(old) == "object":
            problems += self._compare_objects(old, new, path)
        if _kind(old) == "array":
            problems += self._compare_arrays(old, new, path)
        return problems

    def _compare_objects(self, old: Schema, new: Schema, path: str) -> list[str]:
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        problems = [
            f"{path}.{name}: field removed" for name in old_fields if name not in new_fields
        ]
        problems += [
            f"{path}.{name}: made required" for name in sorted(new_required - old_required)
        ]
        if (
            new.get("additionalProperties") is False
            and old.get("additionalProperties") is not False
        ):
            problems.append(f"{path}: additional properties no longer allowed")
        for name in old_fields.keys() & new_fields.keys():
            problems += self.compare(old_fields[name], new_fields[name], f"{path}.{name}")
        return problems

    def _compare_arrays(self, old: Schema, new: Schema, path: str) -> list[str]:
        problems: list[str] = []
        if "items" in old and "items" in new:
            problems += self.compare(old["items"], new["items"], f"{path}[]")
        elif "items" in new:
            problems.append(f"{path}: items constrained")
        old_prefix, new_prefix = old.get("prefixItems", []), new.get("prefixItems", [])
        for index, (old_item, new_item) in enumerate(zip(old_prefix, new_prefix, strict=False)):
            problems += self.compare(old_item, new_item, f"{path}[{index}]")
        return problems

    def _branches(self, schema: Schema, root: Schema) -> list[Schema]:
        schema = _resolve(schema, root)
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if not alternatives:
            return _split_type_list(schema)
        return [branch for item in alternatives for branch in self._branches(item, root)]


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        *_, name = schema["$ref"].split("/")
        schema = {**root["$defs"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _split_type_list(schema: Schema) -> list[Schema]:
    types = schema.get("type")
    if isinstance(types, list):
        return [{**schema, "type": single} for single in types]
    return [schema]


def _kind(schema: Schema) -> str:
    if "type" in schema:
        return str(schema["type"])
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if values:
        return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
            type(values[0]), "null" if values[0] is None else "any"
        )
    return "any"


def _matching_branch(old: Schema, candidates: list[Schema]) -> Schema | None:
    kind = _kind(old)
    for accepted in ([kind], ["number"] if kind == "integer" else [], ["any"]):
        for candidate in candidates:
            if _kind(candidate) in accepted:
                return candidate
    return None


def _states_the_storage_limit(key: str, old: Schema, bound: Any) -> bool:
    """An integer newly bounded to 64 bits or wider: no message beyond the bound was ever
    processed (every consumer stores what it reads, and MongoDB keeps 64-bit integers), so the
    bound states an existing limit rather than tightening one."""
    if _kind(old) != "integer":
        return False
    return (key == "maximum" and bound >= INT64_MAX) or (
        key == "minimum" and bound <= -INT64_MAX - 1
    )


def _tightened_constraints(old: Schema, new: Schema, path: str) -> list[str]:
    problems = []
    for key in _NEVER_LOWER:
        lower = key in new and (key not in old or new[key] < old[key])
        if lower and not _states_the_storage_limit(key, old, new[key]):
            problems.append(f"{path}: {key} tightened to {new[key]}")
    for key in _NEVER_HIGHER:
        higher = key in new and (key not in old or new[key] > old[key])
        if higher and not _states_the_storage_limit(key, old, new[key]):
            problems.append(f"{path}: {key} tightened to {new[key]}")
    for key in _NEVER_CHANGED:
        if key in new and new.get(key) != old.get(key):
            problems.append(f"{path}: {key} changed to {new[key]!r}")
    if "enum" in new:
        removed = [value for value in old.get("enum", []) if value not in new["enum"]]
        if "enum" not in old or removed:
            problems.append(f"{path}: enum values removed {removed or 'by a new enum'}")
    return problems

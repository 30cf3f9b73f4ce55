"""Write docs/CONFIGURATION.md: every environment variable the product reads, generated from the
pydantic settings classes (the runtime's and each service's) and from the local tooling's code.

uv run python -m deploy.config_reference           rewrite the file
uv run python -m deploy.config_reference --check   exit 1 if it is out of date

A setting's variable is its `validation_alias`, else its field name in upper case (the
settings read the environment case-insensitively, without a prefix).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import sys
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from complaint_runtime import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "CONFIGURATION.md"
SERVICES = ("intake", "classifier", "notifier", "archive")
COMMAND = "uv run python -m deploy.config_reference"

# The local tooling reads these with os.environ.get / port(...): scanned, not hand-listed.
TOOLING = {
    "deploy/local/stack.py": "the local stack (`make stack-up`, `make run`, `make test`)",
    "deploy/local/run.py": "`make run`",
    "deploy/local/topics.py": "`make topics`",
    "tests/support/infra.py": "the tests (`make test`)",
}
TOOLING_MEANING = {
    "STACK_DIR": "folder of the downloaded servers, their data and logs",
    "KAFKA_PORT": "Kafka's client port",
    "KAFKA_CONTROLLER_PORT": "Kafka's KRaft controller port",
    "MONGO_PORT": "the MongoDB-protocol server's port (secantus-mdb)",
    "STACK_BUILD_CACHE": "folder of compiled crates kept between builds of the MongoDB server "
    "(default: `$XDG_CACHE_HOME/complaint-stack`)",
    "XDG_CACHE_HOME": "the user's cache folder (default `~/.cache`)",
    "MONGO_CACHE_SIZE": "the MongoDB-protocol server's WiredTiger cache (e.g. `1G`)",
    "MONGO_LOG_LEVEL": "the MongoDB-protocol server's log level (DEBUG, INFO, WARNING, ERROR)",
    "KAFKA_HEAP": "the broker's JVM heap",
    "STACK_START_TIMEOUT": "seconds a server gets to answer before `up` gives up",
    "LINES": "lines `stack.py logs` prints",
    "TOPIC_REPLICATION_FACTOR": "replication factor of created topics (default: the broker's)",
    "TOPIC_PREFIX": "prefix of the created topic names",
    "TOPIC_PERSONAL_DATA_RETENTION_MS": "how long the topics carrying personal data keep a "
    "record, in ms (default 604800000, 7 days; applied to existing topics too; finite)",
    "KAFKA_BOOTSTRAP_SERVERS": "Kafka to use (with MONGODB_URI: skips starting the stack)",
    "MONGODB_URI": "MongoDB to use (with KAFKA_BOOTSTRAP_SERVERS)",
    "KEEP_STACK": "`1`: leave the stack the tests started running",
    "<X>_PORT": "HTTP port of each service: `INTAKE_PORT` (8001), `CLASSIFIER_PORT` (8002), "
    "`NOTIFIER_PORT` (8003), `ARCHIVE_PORT` (8004)",
    "API_KEY": "the API key the local system accepts (default: a new one, written to "
    "`.stack/local/api-key`)",
    "PROMETHEUS_PORT": "port of the local Prometheus",
    "DEMO_TIMEOUT": "seconds the demo waits for every complaint to come out",
}
MAKE_VARIABLES = {
    "PYTHON": ("python3", "interpreter that installs uv and runs stack.py"),
    "PYTEST_ARGS": (
        "",
        "extra pytest arguments for `make pytest`, `make unit`, `make integration`",
    ),
}


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    default: str
    description: str


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"complaint_{service}.settings")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    ]
    (cls,) = found
    return cls


def env_name(field_name: str, field: FieldInfo) -> str:
    alias = field.validation_alias
    return alias if isinstance(alias, str) else field_name.upper()


def type_name(annotation: Any) -> str:
    """`int`, `Path \\| None`, `` `a` \\| `b` `` (a Literal), `list[str]`: for a Markdown cell."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in args)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_name(arg) for arg in args)
    if annotation is type(None):
        return "None"
    if args:
        return f"{origin.__name__}[{', '.join(type_name(arg) for arg in args)}]"
    return str(getattr(annotation, "__name__", annotation))


def default_text(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "**required**"
    else:
        value = field.default
    if value is None:
        return "none"
    if isinstance(value, Path):
        return f"`{repo_relative(value)}`"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        value = str(value).lower()
    return f"`{value}`" if value != "" else '`""`'


def repo_relative(path: Path) -> str:
    """Defaults inside the repository print relative to it, so the file is the same anywhere."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def markdown_cell(text: str) -> str:
    """Text safe in a table cell: pipes and angle brackets escaped, on one line."""
    for raw, escaped in (("|", "\\|"), ("<", "\\<"), (">", "\\>"), ("\n", " ")):
        text = text.replace(raw, escaped)
    return text


def variables(cls: type[ServiceSettings], names: Iterable[str]) -> dict[str, Variable]:
    found = {}
    for field_name in names:
        field = cls.model_fields[field_name]
        name = env_name(field_name, field)
        description = markdown_cell(field.description or "")
        found[name] = Variable(
            name, type_name(field.annotation), default_text(field), description or "—"
        )
    return found


def row(variable: Variable, default: str) -> str:
    return f"| `{variable.name}` | {variable.type} | {default} | {variable.description} |"


def runtime_section() -> list[str]:
    classes = {service: settings_class(service) for service in SERVICES}
    shared = variables(ServiceSettings, ServiceSettings.model_fields)
    lines = [
        "## Every service (`complaint_runtime.settings.ServiceSettings`)",
        "",
        "Read by intake, classifier, notifier and archive alike. Where a service sets its own",
        "default, the default column names it.",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for field_name, variable in zip(ServiceSettings.model_fields, shared.values(), strict=True):
        defaults = {
            service: default_text(cls.model_fields[field_name])
            for service, cls in classes.items()
            if not _renamed(cls, field_name)
        }
        default = variable.default
        if not defaults:
            default = f"{default} (each service reads a variable of its own, below)"
        elif len(set(defaults.values())) > 1 or variable.default not in defaults.values():
            default = ", ".join(f"{service}: {value}" for service, value in defaults.items())
        lines.append(row(variable, default))
    return lines


def _renamed(cls: type[ServiceSettings], field_name: str) -> bool:
    """A shared setting the service reads from a variable of its own (INTAKE_KAFKA_BATCH_SIZE)."""
    shared = env_name(field_name, ServiceSettings.model_fields[field_name])
    return env_name(field_name, cls.model_fields[field_name]) != shared


def service_section(service: str) -> list[str]:
    cls = settings_class(service)
    own = [
        name
        for name in cls.model_fields
        if name not in ServiceSettings.model_fields or _renamed(cls, name)
    ]
    lines = [
        f"## {service} (`complaint_{service}.settings.{cls.__name__}`)",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for variable in variables(cls, own).values():
        lines.append(row(variable, variable.default))
    return lines


def environment_reads(path: Path) -> Iterator[tuple[str, str]]:
    """(name, default) of every `os.environ.get("NAME", default)`, `os.getenv(...)`,
    `os.environ["NAME"]`, `env.get("NAME")` (an environment passed in) and
    `port("NAME", default)` in a file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value).endswith("environ")
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            yield node.slice.value, "**required**"
        if not isinstance(node, ast.Call) or not node.args:
            continue
        call = ast.unparse(node.func)
        if call.endswith(("environ.get", "getenv")) or call in {"port", "env.get"}:
            first = node.args[0]
            default = _default(node.args[1] if len(node.args) > 1 else None)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value, default
            elif isinstance(first, ast.JoinedStr):  # f"{name.upper()}_PORT" → <X>_PORT
                yield "".join(_literal_part(part) for part in first.values), default


def _literal_part(part: ast.expr) -> str:
    return str(part.value) if isinstance(part, ast.Constant) else "<X>"


def _default(node: ast.expr | None) -> str:
    if node is None:
        return "none"
    if isinstance(node, ast.Name):  # a variable: the meaning column gives the values
        return "—"
    if isinstance(node, ast.Constant):
        return f"`{node.value!s}`" if node.value != "" else '`""`'
    source = ast.unparse(node).replace("ROOT / ", "<repo>/").replace("'", "")
    return f"`{source}`"


def tooling_section() -> list[str]:
    found: dict[str, tuple[str, list[str]]] = {}
    for file, used_by in TOOLING.items():
        path = ROOT / file
        if not path.exists():
            continue
        for name, default in environment_reads(path):
            _, users = found.setdefault(name, (default, []))
            if used_by not in users:
                users.append(used_by)
    lines = [
        "## The local stack, `make run` and the tests",
        "",
        "Read by the scripts under `deploy/local/` and the test fixtures, not by the services;",
        f"found in {', '.join(f'`{file}`' for file in TOOLING)}.",
        "",
        "| variable | default | read by | meaning |",
        "|---|---|---|---|",
    ]
    for name in sorted(found):
        default, users = found[name]
        meaning = TOOLING_MEANING.get(name, "see the script")
        lines.append(f"| `{name}` | {default} | {', '.join(users)} | {meaning} |")
    lines += [
        "",
        "Make variables (`make test PYTEST_ARGS=-x`):",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, (default, meaning) in MAKE_VARIABLES.items():
        lines.append(f"| `{name}` | {f'`{default}`' if default else '—'} | {meaning} |")
    return lines


def render() -> str:
    sections = [
        [
            "# Configuration reference",
            "",
            f"Generated by `{COMMAND}` from the settings classes; do not edit by hand",
            "(`make config-reference` rewrites it, a unit test fails when it is out of date).",
            "",
            "Every service reads its settings from the environment (names are case-insensitive)",
            "when it starts, validates them and stops with one line naming the variable when",
            "one is wrong. Secrets (`SecretStr`) are never logged. The Kubernetes manifests set",
            "them in `deploy/k8s/runtime-config.yaml` and `secrets.example.yaml`;",
            "`docker-compose.yml` and `make run` set them for a local system.",
        ],
        runtime_section(),
        *(service_section(service) for service in SERVICES),
        tooling_section(),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args()
    rendered = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != rendered:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run {COMMAND}")
            return 1
        return 0
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(rendered, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

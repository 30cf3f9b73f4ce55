"""The layers import downwards only: nothing under services/ or shared/ imports `deploy` or
`bench` (the deployment and local stack, and the benchmarks, sit above the services and use
them, not the other way round), and no service's or the shared package's code (services/*/src,
shared/src) imports `tests`. Tests under services/ may use `tests.support`; what they need from
deploy/ they take from a root conftest.py fixture (`topic_admin`)."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
ABOVE_THE_SERVICES = {"deploy", "bench"}
ABOVE_THE_CODE = ABOVE_THE_SERVICES | {"tests"}
SKIPPED = {".venv", "__pycache__", "build", "dist"}


def python_files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if SKIPPED.isdisjoint(parts) and not any(part.endswith(".egg-info") for part in parts):
            found.append(path)
    return found


def code_files() -> list[Path]:
    """The services' and the shared package's own code."""
    return [
        path
        for folder in (*sorted(ROOT.glob("services/*/src")), ROOT / "shared" / "src")
        for path in python_files(folder)
    ]


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import, and of every `importlib.import_module("...")` or
    `__import__("...")` with a literal name."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args:
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if name in {"import_module", "__import__"} and literal:
                yield node.lineno, ast.literal_eval(first)


def offences(paths: list[Path], forbidden: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in paths
        for line, module in imports(path)
        if module.split(".")[0] in forbidden
    ]


def test_nothing_under_services_or_shared_imports_deploy_or_bench() -> None:
    paths = python_files(ROOT / "services") + python_files(ROOT / "shared")
    assert len(paths) > 100  # the walk found the services' code and tests
    assert offences(paths, ABOVE_THE_SERVICES) == []


def test_no_service_or_shared_code_imports_tests() -> None:
    paths = code_files()
    walked = {path.relative_to(ROOT).parts[:2] for path in paths}
    services = ("intake", "classifier", "notifier", "archive", "runtime")
    assert walked >= {("services", name) for name in services} | {("shared", "src")}
    assert offences(paths, ABOVE_THE_CODE) == []


def test_the_check_sees_each_kind_of_import(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "import deploy.local.topics\n"
        "from bench.intake import run\n"
        "from tests.support import ports\n"
        "from . import sibling\n"
        "import importlib\n"
        "importlib.import_module('deploy.local.stack')\n"
        "import deployment\n",
        encoding="utf-8",
    )
    assert sorted(imports(module)) == [
        (1, "deploy.local.topics"),
        (2, "bench.intake"),
        (3, "tests.support"),
        (5, "importlib"),
        (6, "deploy.local.stack"),
        (7, "deployment"),
    ]

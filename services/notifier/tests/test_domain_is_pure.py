"""The domain imports no framework, database or network client (STYLE: imports point inward)."""

import ast
from pathlib import Path

import pytest

import complaint_notifier.domain

pytestmark = pytest.mark.unit

FORBIDDEN = {
    "faststream",
    "pymongo",
    "motor",
    "fastapi",
    "aiokafka",
    "httpx",
    "requests",
    "smtplib",
    "aiosmtplib",
    "socket",
    "urllib",
    "asyncio",
    "complaint_runtime",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_domain_module_imports_io_or_frameworks() -> None:
    folder = Path(complaint_notifier.domain.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) > 10
    offenders = {path.name: imported_roots(path) & FORBIDDEN for path in modules}
    assert {name: found for name, found in offenders.items() if found} == {}

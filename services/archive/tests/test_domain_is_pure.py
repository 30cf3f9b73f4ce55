"""The domain imports no I/O or framework: it is the part tested without a server."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
DOMAIN = Path(__file__).resolve().parents[1] / "src" / "complaint_archive" / "domain"
ALLOWED = {"complaint_events", "pydantic", "__future__"}
STANDARD = {
    "base64",
    "binascii",
    "bisect",
    "collections",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "io",
    "json",
    "re",
    "typing",
}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda path: path.name)
def test_domain_module_imports_only_pure_code(path):
    assert imported(path) <= ALLOWED | STANDARD

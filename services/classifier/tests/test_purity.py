"""The domain stays pure: no framework, database or network imports."""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

DOMAIN = Path(__file__).resolve().parents[1] / "src" / "complaint_classifier" / "domain"
FORBIDDEN = {"faststream", "pymongo", "motor", "fastapi", "aiokafka", "httpx", "requests", "socket"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda path: path.name)
def test_domain_module_imports_nothing_that_does_io(path: Path) -> None:
    assert not (_imports(path) & FORBIDDEN)

"""Every service names its layers the same way (domain, service layer, adapters, entrypoints),
and the inner ones import inwards only: no module of a service's `domain/` or `service_layer/`
imports its `adapters/` or `entrypoints/` (relatively, `..adapters`, or absolutely,
`complaint_x.adapters`), and the domain does not import the service layer either. The use cases
see the outside world through the ports of `service_layer/ports.py`. (What the domain may import
from outside the repository is checked by each service's own purity test.)"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "classifier", "notifier", "archive")
LAYERS = ("domain", "service_layer", "adapters", "entrypoints")
OUTER = {"adapters", "entrypoints"}
FORBIDDEN = {"domain": OUTER | {"service_layer"}, "service_layer": OUTER}


def package_of(service: str) -> Path:
    return ROOT / "services" / service / "src" / f"complaint_{service}"


def module_name(path: Path) -> list[str]:
    """`complaint_archive.service_layer.ingest` as its parts (`__init__` for a package)."""
    parts = path.with_suffix("").parts
    return list(parts[len(parts) - parts[::-1].index("src") :])


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the module, relative ones resolved; for
    `from package import name`, `package.name` too (the name may be a module)."""
    package = module_name(path)[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def offences(package: Path, layer: str) -> list[str]:
    """`path:line imports module` for each import of a layer the given layer must not use."""
    found = set()
    for path in sorted((package / layer).rglob("*.py")):
        for line, module in imported(path):
            parts = module.split(".")
            own = parts[0] == package.name
            outer = len(parts) > 1 and parts[1] in (FORBIDDEN[layer] if own else OUTER)
            if outer and parts[0].startswith("complaint_"):
                found.add(f"{path.relative_to(package.parent)}:{line} imports {module}")
    return sorted(found)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_names_its_layers_the_same_way(service: str) -> None:
    package = package_of(service)
    for layer in LAYERS:
        assert (package / layer / "__init__.py").is_file(), f"{service} has no {layer}/ package"
    assert not (package / "use_cases").exists() and not (package / "use_cases.py").exists()


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
@pytest.mark.parametrize("service", SERVICES)
def test_inner_layers_import_no_adapter_or_entrypoint(service: str, layer: str) -> None:
    package = package_of(service)
    assert len(list((package / layer).rglob("*.py"))) > 1  # the walk found the layer's modules
    assert offences(package, layer) == []


def test_the_check_sees_each_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / "services" / "demo" / "src" / "complaint_demo"
    (package / "service_layer").mkdir(parents=True)
    (package / "domain").mkdir()
    (package / "service_layer" / "__init__.py").write_text(
        "from ..adapters import store\n", encoding="utf-8"
    )
    (package / "service_layer" / "ingest.py").write_text(
        "from ..adapters.store import Delivered\n"
        "from .. import entrypoints\n"
        "import complaint_demo.adapters.files\n"
        "from complaint_other.entrypoints.deps import Wiring\n"
        "from ..domain import fold\n"
        "from .ports import Store\n"
        "from complaint_events import Envelope\n",
        encoding="utf-8",
    )
    (package / "domain" / "rules.py").write_text(
        "from ..service_layer.ports import Store\nfrom .files import DataFile\n",
        encoding="utf-8",
    )
    lines = {offence.split(" imports ")[0] for offence in offences(package, "service_layer")}
    assert sorted(lines) == [
        "complaint_demo/service_layer/__init__.py:1",
        "complaint_demo/service_layer/ingest.py:1",
        "complaint_demo/service_layer/ingest.py:2",
        "complaint_demo/service_layer/ingest.py:3",
        "complaint_demo/service_layer/ingest.py:4",
    ]
    assert offences(package, "domain") == [
        "complaint_demo/domain/rules.py:1 imports complaint_demo.service_layer.ports",
        "complaint_demo/domain/rules.py:1 imports complaint_demo.service_layer.ports.Store",
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_bootstrap_is_the_one_composition_root_and_only_the_process_imports_it(service: str):
    """`bootstrap.py` composes the service; `app.py` only runs it; no layer reaches up to it."""
    package = package_of(service)
    assert (package / "bootstrap.py").is_file() and (package / "app.py").is_file()
    reaching_up = [
        f"{path.relative_to(package.parent)}:{line} imports {module}"
        for path in sorted(package.rglob("*.py"))
        if path.name not in {"app.py", "bootstrap.py"}
        for line, module in imported(path)
        if module.split(".")[:2] in ([package.name, "bootstrap"], [package.name, "app"])
    ]
    assert reaching_up == []

"""Write (or check) the committed JSON Schemas and the AsyncAPI document.

uv run python -m complaint_events.export             # regenerate shared/schemas, asyncapi.json
uv run python -m complaint_events.export --check     # exit 1 if the committed files differ
uv run python -m complaint_events.export --pin-baseline   # accept the current schemas as the
                                                     # baseline compatibility is checked against
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .asyncapi import build_asyncapi
from .compat import breaking_changes_between_sets
from .schemas import all_schemas, render

SHARED_DIR = Path(__file__).resolve().parents[2]
SCHEMA_DIR = SHARED_DIR / "schemas"
BASELINE_DIR = SCHEMA_DIR / "baseline"
ASYNCAPI_FILE = SHARED_DIR / "asyncapi.json"


def generated_files(
    schema_dir: Path = SCHEMA_DIR, asyncapi_file: Path = ASYNCAPI_FILE
) -> dict[Path, str]:
    """Every generated file and its exact text."""
    files = {schema_dir / name: render(schema) for name, schema in all_schemas().items()}
    files[asyncapi_file] = render(build_asyncapi())
    return files


def stale_files(expected: dict[Path, str], schema_dir: Path = SCHEMA_DIR) -> list[Path]:
    """Committed schema files no model generates any more, and files whose text differs."""
    committed = set(schema_dir.glob("*.json")) if schema_dir.is_dir() else set()
    orphans = committed - expected.keys()
    differing = [
        path
        for path, text in expected.items()
        if not path.is_file() or path.read_text("utf-8") != text
    ]
    return sorted(orphans | set(differing))


def load_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text("utf-8")) for path in sorted(directory.glob("*.json"))
    }


def write(expected: dict[Path, str], schema_dir: Path = SCHEMA_DIR) -> None:
    schema_dir.mkdir(parents=True, exist_ok=True)
    for orphan in set(schema_dir.glob("*.json")) - expected.keys():
        orphan.unlink()
    for path, text in expected.items():
        path.write_text(text, encoding="utf-8")


def pin_baseline() -> list[str]:
    """Copy the current schemas into the baseline; refuse while they break the old baseline."""
    current = all_schemas()
    problems = breaking_changes_between_sets(load_schemas(BASELINE_DIR), current)
    if problems:
        return problems
    BASELINE_DIR.mkdir(parents=True, exist_ok=True)
    for name, schema in current.items():
        (BASELINE_DIR / name).write_text(render(schema), encoding="utf-8")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m complaint_events.export")
    parser.add_argument("--check", action="store_true", help="fail if committed files differ")
    parser.add_argument("--pin-baseline", action="store_true", help="accept schemas as baseline")
    args = parser.parse_args(argv)
    expected = generated_files()
    if args.check:
        stale = stale_files(expected)
        for path in stale:
            print(f"out of date: {path.relative_to(SHARED_DIR)}", file=sys.stderr)
        return 1 if stale else 0
    write(expected)
    print(f"wrote {len(expected)} files under {SHARED_DIR}")
    if args.pin_baseline:
        problems = pin_baseline()
        for problem in problems:
            print(f"breaking: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

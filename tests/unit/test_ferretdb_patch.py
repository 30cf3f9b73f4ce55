"""The FerretDB build's one patch: `_id` lookups use the expression FerretDB indexes."""

import re
import sqlite3
from pathlib import Path

import pytest

from deploy.local.stack import FERRETDB_PATCHES, StackError, patch_ferretdb

pytestmark = pytest.mark.unit

METADATA = "internal/backends/sqlite/metadata/metadata.go"


def id_column(go_constant: str) -> str:
    """The SQL expression a Go line `IDColumn = DefaultColumn + <literal>` makes."""
    literal = go_constant.split("+", 1)[1].strip()
    return "_ferretdb_sjson" + (literal[1:-1].replace('\\"', '"'))


def plan(expression: str) -> str:
    """SQLite's plan for a lookup by `_id` in a table laid out as FerretDB's SQLite backend
    lays it out (one JSON column, a unique index on `_ferretdb_sjson->"_id"`)."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE docs (_ferretdb_sjson TEXT NOT NULL) STRICT")
    db.execute('CREATE UNIQUE INDEX docs__id_ ON docs (_ferretdb_sjson->"_id")')
    db.executemany(
        "INSERT INTO docs VALUES (?)", [(f'{{"_id": "c{n}", "n": {n}}}',) for n in range(50)]
    )
    query = f"SELECT _ferretdb_sjson FROM docs WHERE {expression} = ?"
    assert db.execute(query, ('"c7"',)).fetchall() == [('{"_id": "c7", "n": 7}',)]
    return " ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {query}", ('"c7"',)))


def test_the_patched_lookup_uses_the_id_index_and_the_original_scans() -> None:
    (relative, original, patched), *_ = FERRETDB_PATCHES
    assert relative == METADATA
    assert re.search(r"\bSCAN docs\b", plan(id_column(original)))
    assert "USING INDEX docs__id_" in plan(id_column(patched))


def test_the_patch_rewrites_the_source_once(tmp_path: Path) -> None:
    (relative, original, patched), *_ = FERRETDB_PATCHES
    source = tmp_path / relative
    source.parent.mkdir(parents=True)
    source.write_text(f"const (\n\t{original}\n)\n")
    patch_ferretdb(tmp_path)
    assert source.read_text() == f"const (\n\t{patched}\n)\n"


def test_a_source_the_patch_no_longer_fits_stops_the_build_with_the_file_named(
    tmp_path: Path,
) -> None:
    source = tmp_path / METADATA
    source.parent.mkdir(parents=True)
    source.write_text("const IDColumn = somethingElse\n")
    with pytest.raises(StackError, match=r"metadata\.go"):
        patch_ferretdb(tmp_path)

"""The committed graph schema document is what the schema definitions in code say."""

from __future__ import annotations

from pathlib import Path

from ledgergraph.graph_schema import TABLES
from ledgergraph.schema_doc import main, render

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "graph-schema.md"


def test_the_committed_schema_document_is_up_to_date() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), (
        "docs/graph-schema.md is stale: run python -m ledgergraph.schema_doc"
    )


def test_every_table_and_column_is_documented() -> None:
    text = render()
    for table in TABLES.values():
        assert f"### {table.name}" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text


def test_the_check_mode_fails_on_a_stale_document(tmp_path: Path) -> None:
    stale = tmp_path / "graph-schema.md"
    stale.write_text("old\n", encoding="utf-8")
    assert main(["--output", str(stale), "--check"]) == 1
    assert main(["--output", str(stale)]) == 0
    assert main(["--output", str(stale), "--check"]) == 0

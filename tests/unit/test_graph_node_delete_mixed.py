"""A filing deleted from a graph that also held a QuickBooks run, deleted first (issue #6).

AEON's 10-Q and Boeing's 10-K load in one session, the bundled QuickBooks sample into the
same graph in the next, each step in a node session of its own as the CLI runs them. The
QuickBooks run is deleted, then Boeing's filing: real_ladybug 0.15.3 then lost every row of
ENTITY_HAS_REPORT, FACT_HAS_ELEMENT and other relationship tables in the CHECKPOINT after
the delete's commit, while every count was right inside the transaction (with graph schema
5 and 6's layouts; schema 7's no longer shows it, and the write before the delete that
avoided it stays). The graph must
end as AEON's alone: 970 facts, each with its element and period, and one report.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from xbrl_samples import SAMPLE_SEC

import graph_node.graph_store as graph_store
from graph_node.errors import GraphDamaged, GraphInconsistent, WriteMiscounted
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import TABLES
from localrun.cli import main as cli

GRAPH = "sec"
PACKAGES = ("aeon-10q-2023-09-30", "ba-10k-2023-12-31")
BOEING = "0000012927-24-000010"
AEON_FACTS = 970


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home the CLI loaded as the tester did, each command a session of its own: both
    filings (``sec run``), then the QuickBooks sample into the same graph."""
    root = tmp_path_factory.mktemp("mixed")
    source, home = root / "filings", root / "home"
    for package in PACKAGES:
        shutil.copytree(SAMPLE_SEC / package, source / package)
    assert cli(["sec", "run", "--source", str(source), "--home", str(home)]) == 0
    # exits 1: the sample's books fail their balance checks, and load all the same
    cli(["quickbooks", "load-sample", "--home", str(home), "--graph", GRAPH])
    return home


@pytest.fixture
def home(loaded: Path, tmp_path: Path) -> Path:
    """A copy of the loaded home for one test."""
    return shutil.copytree(loaded, tmp_path / "home")


def delete_the_quickbooks_run(home: Path) -> None:
    (run,) = [p.name for p in (home / "store" / "processed" / GRAPH).glob("qbo-sample-*")]
    with session(home) as node:
        assert counts(node)["LedgerAccount"] == 93
        node.delete_source(GRAPH, run)


@contextmanager
def session(home: Path) -> Iterator[GraphService]:
    """A graph node over ``home`` for one step, closed (checkpointed) after it, as each
    CLI command is."""
    node = GraphService(NodeSettings(home=home, events="none"))
    try:
        yield node
    finally:
        node.close()


@contextmanager
def boeing_deleted_under_a_fault(
    home: Path, monkeypatch: pytest.MonkeyPatch, fault: Callable[[Any], None]
) -> Iterator[tuple[str, GraphService]]:
    """Delete the QuickBooks run, then Boeing's filing with ``fault`` played on the engine
    connection after the commit; the delete must fail and the graph be served as damaged.
    Yields the failure's message and the node, the graph rebuilt."""
    real_check = graph_store.check_committed

    def faulty_check(conn: Any, tables: Any, expected: Any) -> None:
        fault(conn)
        real_check(conn, tables, expected)

    delete_the_quickbooks_run(home)
    with session(home) as node:
        monkeypatch.setattr(graph_store, "check_committed", faulty_check)
        with pytest.raises(WriteMiscounted) as failed:
            node.delete_source(GRAPH, BOEING)
        with pytest.raises(GraphDamaged, match="rebuild it from staging"):
            node.stats(GRAPH)
        monkeypatch.undo()
        node.rebuild(GRAPH)
        yield str(failed.value), node


def counts(node: GraphService) -> dict[str, int]:
    stats = node.stats(GRAPH)
    return stats["nodes"] | stats["relationships"]


def test_a_filing_deleted_after_a_quickbooks_run_removes_only_its_own_rows(home: Path) -> None:
    delete_the_quickbooks_run(home)
    with session(home) as node:
        before = counts(node)
        answer = node.delete_source(GRAPH, BOEING)
    with session(home) as node:
        after = counts(node)
        node.rebuild(GRAPH)
        rebuilt = counts(node)

    assert answer["removed"]["FACT_HAS_ELEMENT"] == before["FACT_HAS_ELEMENT"] - AEON_FACTS
    for name in TABLES:  # every table fell by exactly what the delete says it removed
        assert after[name] == before[name] - answer["removed"].get(name, 0), name
    assert after["Fact"] == after["FACT_HAS_ELEMENT"] == after["FACT_HAS_PERIOD"] == AEON_FACTS
    assert after["ENTITY_HAS_REPORT"] == after["Report"] == 1
    assert after == rebuilt


def test_a_committed_delete_that_loses_rows_fails_and_leaves_the_graph_to_a_rebuild(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the rolled-back write before it, the engine lost AEON's FACT_HAS_ELEMENT rows
    in the delete's CHECKPOINT with graph schema 6's layout (and ENTITY_HAS_REPORT's too
    before it); with schema 7's it no longer does, so the loss is played here after the
    commit: the call fails naming the table with its expected and actual count, the graph
    is served as damaged, and a rebuild finishes the delete."""

    def engine_loses_rows(conn: Any) -> None:
        conn.execute("MATCH ()-[x:FACT_HAS_ELEMENT]->() DELETE x")

    with boeing_deleted_under_a_fault(home, monkeypatch, engine_loses_rows) as (failed, node):
        after = counts(node)

    assert f"FACT_HAS_ELEMENT expected {AEON_FACTS}, found 0" in failed
    assert after["FACT_HAS_ELEMENT"] == after["FACT_HAS_PERIOD"] == AEON_FACTS
    assert after["ENTITY_HAS_REPORT"] == 1


def test_a_delete_that_changes_other_than_its_rows_is_rolled_back(home: Path) -> None:
    """One key given twice matches two rows but deletes one: refused, nothing changed."""
    table = TABLES["ENTITY_HAS_REPORT"]
    with session(home) as node:
        before = counts(node)
        graph = node.graph(GRAPH).store
        twice: dict[str, Any] = {"from": ["0000012927"] * 2, "to": [BOEING] * 2}
        with pytest.raises(GraphInconsistent, match="expected 0 rows .* found 1"):
            graph.apply(deletes=[(table, pa.table(twice))], updates=[])
        assert counts(node) == before


def test_a_committed_delete_that_changes_a_surviving_value_fails_naming_the_row(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts do not see values: an engine that rewrote a surviving relationship's property
    in the delete's CHECKPOINT (real_ladybug 0.15.3 did, on a table of another layout) is
    caught by comparing the touched tables with what they held before. Played here by a SET
    on one of AEON's dimension links after the commit; the call fails naming table and key,
    and a rebuild brings the value back."""
    changed: list[tuple[str, str]] = []

    def engine_changes_a_value(conn: Any) -> None:
        row = conn.execute(
            "MATCH (f:Fact)-[x:FACT_HAS_DIMENSION]->(d:Dimension) WITH f, d, x "
            "ORDER BY f.id, d.id LIMIT 1 SET x.container = 'scenario' RETURN f.id, d.id"
        ).get_next()
        changed.append((row[0], row[1]))

    fault = engine_changes_a_value
    with boeing_deleted_under_a_fault(home, monkeypatch, fault) as (failed, node):
        ((fact, dimension),) = changed
        rebuilt = node.graph(GRAPH).store.read_query(
            "MATCH (:Fact {id: $f})-[x:FACT_HAS_DIMENSION]->(:Dimension {id: $d}) "
            "RETURN x.container",
            {"f": fact, "d": dimension},
            timeout_s=10,
            max_rows=5,
        )

    named = f"FACT_HAS_DIMENSION: 1 key with other rows, including {fact}, {dimension};"
    assert named in failed
    assert rebuilt.rows == [["segment"]]

"""What a delete reports and writes, on Boeing's and Amazon's real 10-Ks, and how it agrees
with a rebuild when the other filing is staged but not materialized.

The two filings share 825 Element keys (Boeing's rows from the 2023 us-gaap taxonomy,
Amazon's from 2022), 7 Period, 4 Unit and 20 Dimension keys with their 20 axis and member
relationships, stated alike in both. Boeing loads first, so the graph holds its row of
every shared key; deleting it hands each key to Amazon's row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from test_graph_node_cases import graph_rows
from xbrl_samples import process_bundled

from graph_node.graph_store import GraphStore
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import LOAD_ORDER, TABLES, NodeTable

PACKAGES = ("amzn-10k-2022-12-31", "ba-10k-2023-12-31")
AMAZON, BOEING = "0001018724-23-000004", "0000012927-24-000010"
AMAZON_CONCEPTS = 1318  # the Elements of Amazon's 10-K, each with its 2022 definition
US_GAAP_2022 = "http://fasb.org/us-gaap/2022"
# Taxonomy: the 2020-01-21 data type registry, which both filings import
SHARED_ALIKE = {"Period": 7, "Unit": 4, "Dimension": 20, "Taxonomy": 1,
                "DIMENSION_HAS_AXIS": 20, "DIMENSION_HAS_MEMBER": 20}  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two bundled filings processed by ``python -m xbrl_task`` into an object store."""
    return process_bundled(tmp_path_factory.mktemp("store"), PACKAGES)


class Node:
    """A graph node over ``home`` reading the processed filings of ``store``."""

    def __init__(self, home: Path, store: Path) -> None:
        self.store = store
        settings = NodeSettings(home=home, store_uri=store.as_uri(), events="none")
        self.service = GraphService(settings)
        self.files: dict[str, list[dict[str, Any]]] = {}

    def stage(self, unit: str) -> None:
        """Register and stage every table file of the filing's manifest."""
        folder = self.store / "processed" / "sec" / unit
        manifest = json.loads((folder / "manifest.json").read_text())
        specs = [
            {"table": t["table"], "uri": t["uri"], "source_unit": unit, "row_count": t["rows"],
             "checksum": t["checksum"]}
            for t in manifest["tables"] if t["rows"]
        ]  # fmt: skip
        self.files[unit] = self.service.register_files("sec", specs)["files"]
        self.service.stage_files("sec", [f["file_id"] for f in self.files[unit]])

    def materialize(self, unit: str, *, nodes_only: bool = False) -> None:
        """The filing's staged files in load order, one call per table."""
        for table in LOAD_ORDER:
            if nodes_only and not isinstance(TABLES[table], NodeTable):
                continue
            ids = [f["file_id"] for f in self.files[unit] if f["table"] == table]
            if ids:
                self.service.materialize("sec", table, ids)

    def load(self, unit: str) -> None:
        self.stage(unit)
        self.materialize(unit)


@pytest.fixture
def node(store: Path, tmp_path: Path) -> Iterator[Node]:
    found = Node(tmp_path / "node", store)
    yield found
    found.service.close()


@pytest.fixture(scope="module")
def amazon_only(store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """Every row of a graph that only ever loaded Amazon's 10-K."""
    only = Node(tmp_path_factory.mktemp("amazon-only"), store)
    try:
        only.load(AMAZON)
        return graph_rows(only.service)
    finally:
        only.service.close()


def _shared_rows(store: Path) -> dict[str, tuple[int, int]]:
    """Per table, the keys both filings' files hold: (rows that differ, rows alike)."""
    found = {}
    for name, table in TABLES.items():
        by_unit = []
        for unit in (BOEING, AMAZON):
            path = store / "processed" / "sec" / unit / f"{name}.parquet"
            rows = pq.read_table(path).to_pylist() if path.exists() else []
            by_unit.append({tuple(r[k] for k in table.key): r for r in rows})
        boeing, amazon = by_unit
        shared = boeing.keys() & amazon.keys()
        if shared:
            differ = sum(1 for key in shared if boeing[key] != amazon[key])
            found[name] = (differ, len(shared) - differ)
    return found


def test_a_row_replaced_by_an_identical_one_is_unchanged_and_not_written(
    node: Node, store: Path, amazon_only: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.load(BOEING)
    node.load(AMAZON)
    written: dict[str, int] = {}
    apply = GraphStore.apply

    def recording(self: GraphStore, deletes: Any, updates: Any, **kw: Any) -> None:
        written.update({t.name: rows.num_rows for t, rows in updates if rows.num_rows})
        apply(self, deletes, updates, **kw)

    monkeypatch.setattr(GraphStore, "apply", recording)

    answer = node.service.delete_source("sec", BOEING)

    shared = _shared_rows(store)
    assert shared["Element"] == (825, 0) and answer["rewritten"] == {"Element": 825}
    assert answer["unchanged"] == SHARED_ALIKE
    assert answer["unchanged"] == {t: same for t, (_, same) in shared.items() if same}
    assert written == {"Element": 825}  # the engine rewrote only the rows that differ
    assert graph_rows(node.service) == amazon_only
    node.service.rebuild("sec")
    assert graph_rows(node.service) == amazon_only


def _load_and_stage(node: Node, *, nodes_only: bool) -> None:
    """Boeing loaded; Amazon staged, and its node tables materialized if ``nodes_only``
    (as a batch whose request stopped at its first relationship table leaves it)."""
    node.load(BOEING)
    node.stage(AMAZON)
    if nodes_only:
        node.materialize(AMAZON, nodes_only=True)


@pytest.mark.parametrize("nodes_only", [False, True], ids=["all-staged", "rels-staged"])
def test_a_delete_beside_a_staged_filing_agrees_with_a_rebuild(
    node: Node, store: Path, tmp_path: Path, amazon_only: dict, nodes_only: bool
) -> None:
    """Staged files are not in the graph (docs/operations.md): the delete counts none of
    Amazon's staged rows, and materializing them afterwards gives what a rebuild, which
    materializes every staged file, gives."""
    _load_and_stage(node, nodes_only=nodes_only)
    other = Node(tmp_path / "rebuilt", store)
    try:
        _load_and_stage(other, nodes_only=nodes_only)
        other.service.delete_source("sec", BOEING)
        other.service.rebuild("sec")
        rebuilt = graph_rows(other.service)
    finally:
        other.service.close()

    answer = node.service.delete_source("sec", BOEING)
    in_graph = node.service.stats("sec")
    node.materialize(AMAZON)

    if nodes_only:  # Amazon's nodes were materialized: the shared ones stay
        assert answer["rewritten"] == {"Element": 825}
        assert answer["unchanged"] == {"Period": 7, "Unit": 4, "Dimension": 20, "Taxonomy": 1}
    else:  # nothing of Amazon's in the graph: Boeing's keys all go
        assert answer["rewritten"] == {} and answer["unchanged"] == {}
        assert answer["removed"]["Element"] == 1722
        assert sum(in_graph["nodes"].values()) + sum(in_graph["relationships"].values()) == 0
    assert graph_rows(node.service) == rebuilt == amazon_only


def test_every_key_of_the_deleted_filing_is_counted_once(node: Node, store: Path) -> None:
    """Amazon loads first, so the graph holds Amazon's row of every key the two share:
    deleting Boeing leaves those untouched, and the counts add up to Boeing's keys."""
    node.load(AMAZON)
    node.load(BOEING)

    answer = node.service.delete_source("sec", BOEING)

    shared = {name: differ + alike for name, (differ, alike) in _shared_rows(store).items()}
    assert answer["untouched"] == shared and shared["Element"] == 825
    assert answer["rewritten"] == answer["unchanged"] == {}
    kinds = ("removed", "rewritten", "unchanged", "kept", "untouched")
    for name, table in TABLES.items():
        path = store / "processed" / "sec" / BOEING / f"{name}.parquet"
        rows = pq.read_table(path).select(list(table.key)).to_pylist() if path.exists() else []
        keys = {tuple(row.values()) for row in rows}
        assert sum(answer[kind].get(name, 0) for kind in kinds) == len(keys), name


def _load_together(node: Node, units: tuple[str, ...]) -> None:
    """The filings staged, then materialized as one batch: one call per table holding
    every filing's files (what the SEC pipeline does)."""
    for unit in units:
        node.stage(unit)
    for table in LOAD_ORDER:
        ids = [f["file_id"] for unit in units for f in node.files[unit] if f["table"] == table]
        if ids:
            node.service.materialize("sec", table, ids)


@pytest.mark.parametrize("together", [True, False], ids=["one-batch", "amazon-first"])
def test_deleting_boeing_after_amazon_leaves_every_table_as_a_rebuild_does(
    store: Path, tmp_path: Path, amazon_only: dict, together: bool
) -> None:
    """Every table, each taxonomy year's ElementDefinition included, equals Amazon's graph
    after the delete, once the node is closed and opened again (its checkpoint is where
    real_ladybug 0.15.3 gave surviving relationships the values of deleted ones), and
    after a rebuild."""
    node = Node(tmp_path / "node", store)
    try:
        if together:
            _load_together(node, (AMAZON, BOEING))
        else:
            node.load(AMAZON)
            node.load(BOEING)
        node.service.delete_source("sec", BOEING)
    finally:
        node.service.close()
    reopened = Node(tmp_path / "node", store)
    try:
        after_delete = graph_rows(reopened.service)
        reopened.service.rebuild("sec")
        rebuilt = graph_rows(reopened.service)
    finally:
        reopened.service.close()

    assert after_delete == rebuilt == amazon_only
    definitions = {row["x.id"]: row for row in amazon_only["ElementDefinition"]}
    assert len(definitions) == len(amazon_only["ELEMENT_HAS_DEFINITION"]) == AMAZON_CONCEPTS
    life = definitions["us-gaap:PropertyPlantAndEquipmentUsefulLife|" + US_GAAP_2022]
    assert (life["x.version"], life["x.period_type"]) == ("2022", "duration")  # 2023: instant

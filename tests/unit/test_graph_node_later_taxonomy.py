"""A Taxonomy node a filing brought not loaded is updated by a later filing that loads it.

Apple's 10-K edited to locate dei 2023's schema where the bundled cache has nothing
(``apple_without_dei``) brings the namespace ``http://xbrl.sec.gov/dei/2023`` not loaded,
and 65 dei facts rejected; the real 10-K loads it. Whichever is materialized first, the
graph's dei 2023 node is the real 10-K's (loaded, at dei's real URL) while that filing is
in the graph, as a rebuild leaves it, and the copy's once only the copy is left.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_cases import graph_rows
from test_graph_node_later_definition import Node
from xbrl_samples import (
    APPLE,
    DEI_2023,
    DEI_2023_ELSEWHERE,
    EditedRun,
    apple_without_dei,
    copy_of,
    run_edited,
)

DEI = "http://xbrl.sec.gov/dei/2023"
REJECTED = (
    f"concept not defined: namespace {DEI} (schema not in taxonomy cache: {DEI_2023_ELSEWHERE})"
)


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"without": apple_without_dei, "apple": copy_of(APPLE)}
    run = run_edited(tmp_path_factory.mktemp("later_taxonomy"), editors, "later_taxonomy")
    assert run.statuses == {"without": "processed", "apple": "processed"}
    assert run.manifest("without").facts.rejected[REJECTED] == 65
    return run


@pytest.fixture
def node(processed: EditedRun, tmp_path: Path) -> Iterator[Node]:
    found = Node(tmp_path / "node", processed)
    yield found
    found.service.close()


def _dei(rows: dict[str, dict[str, Any]]) -> tuple[bool, str]:
    """(is_loaded, schema_location) of the graph's dei 2023 Taxonomy node."""
    (row,) = (r for r in rows.values() if r["namespace"] == DEI)
    return row["is_loaded"], row["schema_location"]


def test_the_filing_that_loads_the_schema_updates_the_node_another_left_unloaded(
    node: Node,
) -> None:
    node.load("without")
    assert _dei(node.rows("Taxonomy")) == (False, DEI_2023_ELSEWHERE)

    answer = node.load("apple")["Taxonomy"]
    assert answer["rows_updated"] == 1
    assert answer["rows_offered"] == answer["rows_added"] + answer["rows_present"]
    assert _dei(node.rows("Taxonomy")) == (True, DEI_2023)

    before = graph_rows(node.service)
    node.service.rebuild("sec")
    assert graph_rows(node.service) == before


def test_a_filing_that_could_not_load_the_schema_leaves_a_loaded_node_as_it_is(
    node: Node,
) -> None:
    node.load("apple")
    answer = node.load("without")["Taxonomy"]
    assert answer["rows_updated"] == 0
    assert _dei(node.rows("Taxonomy")) == (True, DEI_2023)


@pytest.mark.parametrize(
    ("deleted", "left"), [("without", (True, DEI_2023)), ("apple", (False, DEI_2023_ELSEWHERE))]
)
def test_deleting_either_filing_leaves_what_a_rebuild_would(
    node: Node, processed: EditedRun, deleted: str, left: tuple[bool, str]
) -> None:
    node.load("without")
    node.load("apple")
    node.service.delete_source("sec", processed.units[deleted])
    after = graph_rows(node.service)
    assert _dei(node.rows("Taxonomy")) == left
    node.service.rebuild("sec")
    assert graph_rows(node.service) == after

"""A shared Element a filing uses without its schema never wins over one that defines it.

Microsoft's 2015 10-K, loaded without us-gaap 2015 in the taxonomy cache, brings the axes
and members of its facts with every definition column null; a 2024 filing that defines
them, loaded in the same batch, must give the Element its real definition whatever the
order of their file ids, and so must one loaded in a later batch (``definitions.py``); a
rebuild and a delete must agree (``winners.winner_order``).
The definitions are the bundled us-gaap 2023 schema's; the undefined rows are what the
extraction writes for a concept outside its DTS (``xbrl_task/aspect_rows.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_cases import file_entry, graph_rows, write_table

from graph_node.service import GraphService
from graph_node.settings import NodeSettings

ROOT = Path(__file__).resolve().parents[2]
US_GAAP_2023 = (
    ROOT / "sample_data/taxonomies/cache/https/xbrl.fasb.org/us-gaap/2023/elts/us-gaap-2023.xsd"
)
NAMESPACE_2023 = "http://fasb.org/us-gaap/2023"
NAMESPACE_2015 = "http://fasb.org/us-gaap/2015-01-31"  # Microsoft's, not in the bundled cache
CONCEPTS = ("StatementBusinessSegmentsAxis", "OperatingSegmentsMember")
DEFINITION = ("data_type", "data_type_namespace", "substitution_group", "period_type",
              "balance", "is_abstract", "is_nillable")  # fmt: skip
# Unit names whose file ids fall in either order (checked by the tests, not assumed).
PAIRS = [("undefined-a", "defined-a"), ("undefined-a", "defined-d")]


def _declared(local: str) -> dict[str, str]:
    """The attributes of ``local``'s xs:element in the bundled us-gaap 2023 schema, and
    ``type_namespace``: the namespace its type's prefix is bound to there."""
    text = US_GAAP_2023.read_text(encoding="utf-8")
    (tag,) = re.findall(rf"<xs:element [^>]*name='{local}'[^>]*>", text)
    declared = dict(re.findall(r"([\w:-]+)='([^']*)'", tag))
    prefix = declared["type"].split(":")[0]
    (namespace,) = re.findall(rf"xmlns:{prefix}='([^']*)'", text[: text.index("<xs:element")])
    return {**declared, "type_namespace": namespace}


def _element(local: str, *, defined: bool) -> dict[str, Any]:
    """An Element row as a filing writes it with (or without) the concept's schema."""
    declared = _declared(local)
    row: dict[str, Any] = {
        "id": f"us-gaap:{local}", "qname": f"us-gaap:{local}", "local_name": local,
        "namespace": NAMESPACE_2023 if defined else NAMESPACE_2015, "is_standard": True,
    }  # fmt: skip
    if defined:
        row |= {
            "data_type": declared["type"], "data_type_namespace": declared["type_namespace"],
            "substitution_group": declared["substitutionGroup"],
            "period_type": declared["xbrli:periodType"], "balance": None,
            "is_abstract": declared["abstract"] == "true",
            "is_nillable": declared["nillable"] == "true",
        }  # fmt: skip
    else:
        row |= dict.fromkeys(DEFINITION)
    return row


def _definition(local: str, *, defined: bool) -> dict[str, Any]:
    """The ElementDefinition row of the 2023 namespace (another 2023 filing's, undefined)."""
    element = _element(local, defined=defined)
    return {"id": f"us-gaap:{local}|{NAMESPACE_2023}", "element": f"us-gaap:{local}",
            "taxonomy": NAMESPACE_2023, "version": "2023",
            **{c: element[c] for c in DEFINITION}}  # fmt: skip


def _register(node: GraphService, store: Path, unit: str, *, defined: bool) -> dict[str, str]:
    """Stage a unit's Element and ElementDefinition files; their file ids by table."""
    folder = store / "processed" / "sec" / unit
    paths = {
        "Element": write_table(folder, "Element", [_element(c, defined=defined)
                                                   for c in CONCEPTS]),
        "ElementDefinition": write_table(folder, "ElementDefinition",
                                         [_definition(c, defined=defined) for c in CONCEPTS]),
    }  # fmt: skip
    entries = [file_entry(path, table, unit) for table, path in paths.items()]
    ids = {f["table"]: f["file_id"] for f in node.register_files("sec", entries)["files"]}
    node.stage_files("sec", list(ids.values()))
    return ids


def _materialize(node: GraphService, *units: dict[str, str]) -> None:
    for table in ("Element", "ElementDefinition"):
        node.materialize("sec", table, [ids[table] for ids in units])


def _graph(node: GraphService, table: str) -> list[dict[str, Any]]:
    """The graph's rows of ``table``, by column name (``graph_rows`` has them as ``x.id``)."""
    return [{k.split(".", 1)[1]: v for k, v in row.items()} for row in graph_rows(node)[table]]


def _definitions(node: GraphService, table: str) -> dict[str, tuple]:
    """(period type, substitution group, data type) of each node of ``table``, by id."""
    return {row["id"]: tuple(row[c] for c in ("period_type", "substitution_group", "data_type"))
            for row in _graph(node, table)}  # fmt: skip


@pytest.fixture
def node(tmp_path: Path) -> Iterator[GraphService]:
    store = (tmp_path / "store").resolve().as_uri()
    service = GraphService(NodeSettings(home=tmp_path / "node", store_uri=store, events="none"))
    yield service
    service.close()


# (period type, substitution group, data type) as the bundled us-gaap 2023 declares them
REAL = {
    "us-gaap:StatementBusinessSegmentsAxis": (
        "duration", "xbrldt:dimensionItem", "xbrli:stringItemType"),
    "us-gaap:OperatingSegmentsMember": ("duration", "xbrli:item", "dtr-types:domainItemType"),
}  # fmt: skip
UNDEFINED = dict.fromkeys(REAL, (None, None, None))


def test_the_bundled_schema_declares_the_concepts() -> None:
    found = {f"us-gaap:{c}": _element(c, defined=True) for c in CONCEPTS}
    assert {k: (r["period_type"], r["substitution_group"], r["data_type"])
            for k, r in found.items()} == REAL  # fmt: skip
    assert found["us-gaap:OperatingSegmentsMember"]["data_type_namespace"] == (
        "http://www.xbrl.org/dtr/type/2022-03-31"
    )


@pytest.mark.parametrize(("undefined_unit", "defined_unit"), PAIRS)
def test_a_defining_row_wins_in_one_call_and_a_rebuild_agrees(
    node: GraphService, tmp_path: Path, undefined_unit: str, defined_unit: str
) -> None:
    undefined = _register(node, tmp_path / "store", undefined_unit, defined=False)
    defined = _register(node, tmp_path / "store", defined_unit, defined=True)
    _materialize(node, undefined, defined)

    assert _definitions(node, "Element") == REAL
    assert _definitions(node, "ElementDefinition") == {
        f"{k}|{NAMESPACE_2023}": v for k, v in REAL.items()
    }
    namespaces = {r["namespace"] for r in _graph(node, "Element")}
    assert namespaces == {NAMESPACE_2023}
    before = graph_rows(node)
    node.rebuild("sec")
    assert graph_rows(node) == before


def test_both_orders_of_file_id_are_covered(node: GraphService, tmp_path: Path) -> None:
    """The pairs put the undefined file first in one, last in the other, in both tables."""
    for table in ("Element", "ElementDefinition"):
        orders = set()
        for undefined_unit, defined_unit in PAIRS:
            undefined = _register(node, tmp_path / "store", undefined_unit, defined=False)
            defined = _register(node, tmp_path / "store", defined_unit, defined=True)
            orders.add(undefined[table] < defined[table])
        assert orders == {True, False}, table


def test_a_later_definition_replaces_the_undefined_node_and_a_rebuild_agrees(
    node: GraphService, tmp_path: Path
) -> None:
    """A defining filing of a later call SETs the definition (``definitions.py``)."""
    _materialize(node, _register(node, tmp_path / "store", "undefined-a", defined=False))
    defined = _register(node, tmp_path / "store", "defined-a", defined=True)
    answers = [node.materialize("sec", t, [defined[t]]) for t in ("Element", "ElementDefinition")]
    assert [(a["rows_offered"], a["rows_added"], a["rows_present"], a["rows_updated"],
             a["rows_unchanged"]) for a in answers] == [(2, 0, 2, 2, 0)] * 2  # fmt: skip
    assert _definitions(node, "Element") == REAL
    assert {r["namespace"] for r in _graph(node, "Element")} == {NAMESPACE_2023}
    before = graph_rows(node)
    node.rebuild("sec")
    assert graph_rows(node) == before

    again = node.materialize("sec", "Element", [defined["Element"]])  # nothing left to do
    assert (again["rows_present"], again["rows_updated"], again["rows_unchanged"]) == (2, 0, 2)
    answer = node.delete_source("sec", "undefined-a")
    assert answer["untouched"] == {"Element": 2, "ElementDefinition": 2}
    assert graph_rows(node) == before


def test_deleting_the_defining_filing_leaves_the_undefined_row(
    node: GraphService, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    _materialize(node, _register(node, store, "undefined-a", defined=False),
                 _register(node, store, "defined-a", defined=True))  # fmt: skip
    node.delete_source("sec", "defined-a")
    assert _definitions(node, "Element") == UNDEFINED
    assert {r["namespace"] for r in _graph(node, "Element")} == {NAMESPACE_2015}

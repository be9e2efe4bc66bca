"""Elements a filing brought undefined take the definition a filing of a later batch brings.

Apple's 10-K edited to import us-gaap, srt and dei of 2025 (``apple_of_2025_unnumbered``:
the bundled cache has 2022 to 2024) keeps its aapl: facts, whose axes and members come
without a definition: 21 of its 102 Elements and ElementDefinitions. Loaded first, in one request,
then the real 10-K in a later one, the 21 take the real 10-K's rows (``definitions.py``);
a rebuild and a delete of either filing must agree with that graph table by table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_cases import graph_rows
from xbrl_samples import APPLE, EditedRun, apple_of_2025_unnumbered, copy_of, run_edited

from graph_node import planning
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import LOAD_ORDER

ROOT = Path(__file__).resolve().parents[2]
US_GAAP_2023 = (
    ROOT / "sample_data/taxonomies/cache/https/xbrl.fasb.org/us-gaap/2023/elts/us-gaap-2023.xsd"
)
DEFINED = ("Element", "ElementDefinition")
AXIS, MEMBER = "FairValueByFairValueHierarchyLevelAxis", "FairValueInputsLevel1Member"


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"undefined": apple_of_2025_unnumbered, "apple": copy_of(APPLE)}
    run = run_edited(tmp_path_factory.mktemp("later_definition"), editors, "later_definition")
    assert run.statuses == {"undefined": "processed", "apple": "processed"}
    return run


class Node:
    """A graph node over ``home`` loading the processed filings, each in one request."""

    def __init__(self, home: Path, run: EditedRun) -> None:
        self.run = run
        settings = NodeSettings(home=home, store_uri=run.store.base_uri, events="none")
        self.service = GraphService(settings)

    def load(self, name: str) -> dict[str, dict[str, Any]]:
        """Register, stage and materialize every table of the filing; answers by table."""
        unit = self.run.units[name]
        manifest = self.run.manifest(name)
        specs = [{"table": t.table, "uri": t.uri, "source_unit": unit, "row_count": t.rows,
                  "checksum": t.checksum} for t in manifest.tables if t.rows]  # fmt: skip
        files = self.service.register_files("sec", specs)["files"]
        ids = {f["table"]: f["file_id"] for f in files}
        self.service.stage_files("sec", list(ids.values()))
        calls = [{"table": t, "file_ids": [ids[t]]} for t in LOAD_ORDER if t in ids]
        answer = self.service.materialize_tables("sec", calls)
        assert answer["stopped"] is None, answer["stopped"]
        return {r["table"]: r for r in answer["results"]}

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        """The graph's rows of node table ``table`` by id, columns by name."""
        found = [{k.split(".", 1)[1]: v for k, v in r.items()}
                 for r in graph_rows(self.service)[table]]  # fmt: skip
        return {r["id"]: r for r in found}


@pytest.fixture
def node(processed: EditedRun, tmp_path: Path) -> Iterator[Node]:
    found = Node(tmp_path / "node", processed)
    yield found
    found.service.close()


def _declared(local: str) -> tuple[str, str, str, str | None]:
    """(data type, period type, substitution group, balance) of a us-gaap 2023 concept, as
    the bundled schema declares it."""
    text = US_GAAP_2023.read_text(encoding="utf-8")
    (tag,) = re.findall(rf"<xs:element [^>]*name='{local}'[^>]*>", text)
    found = dict(re.findall(r"([\w:-]+)='([^']*)'", tag))
    return (found["type"], found["xbrli:periodType"], found["substitutionGroup"],
            found.get("xbrli:balance"))  # fmt: skip


def _definition(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c] for c in ("data_type", "period_type", "substitution_group", "balance"))


def _undefined(rows: dict[str, dict[str, Any]]) -> set[str]:
    return {k for k, r in rows.items() if r["substitution_group"] is None}


def test_a_later_batch_defines_the_elements_an_earlier_one_brought_undefined(
    node: Node, processed: EditedRun
) -> None:
    node.load("undefined")
    brought = {t: {r["id"]: r for r in processed.rows("undefined", t)} for t in DEFINED}
    assert {t: (len(rows), len(_undefined(rows))) for t, rows in brought.items()} == {
        "Element": (102, 21), "ElementDefinition": (102, 21)
    }  # fmt: skip
    assert _undefined(node.rows("Element")) == _undefined(brought["Element"])

    answers = node.load("apple")
    real = {t: {r["id"]: r for r in processed.rows("apple", t)} for t in DEFINED}
    for table in DEFINED:
        a = answers[table]
        counts = (a["rows_offered"], a["rows_added"], a["rows_present"], a["rows_updated"],
                  a["rows_unchanged"])  # fmt: skip
        assert counts == (1193, 1091, 102, 21, 81), table
        assert [f["rows_updated"] for f in a["files"]] == [21], table  # the file credited
        held = node.rows(table)
        assert not _undefined(held), table
        for key in _undefined(brought[table]):
            assert held[key] == real[table][key], key  # the real 10-K's row, every column
    for answer in answers.values():  # every table reconciles
        assert answer["rows_offered"] == answer["rows_added"] + answer["rows_present"]
        assert answer["rows_present"] == answer["rows_updated"] + answer["rows_unchanged"]
    updated = {t: a["rows_updated"] for t, a in answers.items() if a["rows_updated"]}
    # Apple's Entity too: an upsert table, the later filing's version (upsert.py); and the
    # copy's us-gaap, srt and dei 2023 namespaces, which it imports from 2025's URLs, not
    # loaded: the real 10-K loads them (test_graph_node_later_taxonomy.py)
    assert updated == {"Entity": 1, "Taxonomy": 3, "Element": 21, "ElementDefinition": 21}

    elements = node.rows("Element")
    assert _declared(AXIS) == ("xbrli:stringItemType", "duration", "xbrldt:dimensionItem", None)
    assert _declared(MEMBER) == ("dtr-types:domainItemType", "duration", "xbrli:item", None)
    for local in (AXIS, MEMBER):
        assert _definition(elements[f"us-gaap:{local}"]) == _declared(local)

    before = graph_rows(node.service)
    node.service.rebuild("sec")
    assert graph_rows(node.service) == before


@pytest.mark.parametrize("deleted", ["undefined", "apple"])
def test_deleting_either_filing_leaves_what_a_rebuild_would(
    node: Node, processed: EditedRun, deleted: str
) -> None:
    node.load("undefined")
    node.load("apple")
    answer = node.service.delete_source("sec", processed.units[deleted])
    after = graph_rows(node.service)
    undefined = _undefined(node.rows("Element"))
    node.service.rebuild("sec")

    assert graph_rows(node.service) == after
    counts = {k: {t: answer[k].get(t, 0) for t in DEFINED}
              for k in ("removed", "rewritten", "unchanged", "untouched")}  # fmt: skip
    if deleted == "undefined":  # the 21 are the real 10-K's rows: untouched
        assert counts == {"removed": {"Element": 0, "ElementDefinition": 0},
                          "rewritten": {"Element": 0, "ElementDefinition": 0},
                          "unchanged": {"Element": 81, "ElementDefinition": 81},
                          "untouched": {"Element": 21, "ElementDefinition": 21}}  # fmt: skip
        assert undefined == set()
    else:  # the copy's rows of the 21 written back: undefined again
        assert counts == {"removed": {"Element": 1091, "ElementDefinition": 1091},
                          "rewritten": {"Element": 21, "ElementDefinition": 21},
                          "unchanged": {"Element": 0, "ElementDefinition": 0},
                          "untouched": {"Element": 81, "ElementDefinition": 81}}  # fmt: skip
        assert len(undefined) == 21


def test_only_a_call_offering_a_definition_the_graph_lacks_looks_definitions_up(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real 10-K first: the copy's present keys are defined, or offered undefined, so
    no call runs ``plan_definitions``' query; loaded the other way round, Element's and
    ElementDefinition's calls do."""
    looked_up: list[str] = []
    lookup = planning.plan_definitions

    def counted(cur: Any, table: Any, present: Any, staged: Any) -> Any:
        looked_up.append(table.name)
        return lookup(cur, table, present, staged)

    monkeypatch.setattr(planning, "plan_definitions", counted)
    node.load("apple")
    answers = node.load("undefined")
    assert looked_up == []
    assert {t: answers[t]["rows_updated"] for t in DEFINED} == dict.fromkeys(DEFINED, 0)
    assert not _undefined(node.rows("Element"))

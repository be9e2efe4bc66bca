"""Deleting a sync run whose newer versions took rows out of the graph gives them back.

The bundled sandbox recording is loaded as run r1, then an edited copy as r2; deleting r2
must leave the graph a graph that only ever loaded r1 holds, table by table and row by
row, and a rebuild of it must change nothing. The edits: Invoice 130 saved again without
its lines (its three lines, their account and item relationships gone in r2), and
JournalEntry 192's credit line posted to an account the books do not have (that line
rejected in r2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_cases import graph_rows
from test_quickbooks_versions import GRAPH, Books, Records, newer, record, sample_copy

from ledgergraph.graph_schema import TABLES
from localrun.cli import main as cli

INVOICE_130_LINES = """
MATCH (t:LedgerTransaction {txn_type: 'Invoice', qbo_id: '130'})
OPTIONAL MATCH (t)-[:TRANSACTION_HAS_LINE]->(l:LineItem)-[:LINE_POSTS_TO_ACCOUNT]->(a)
RETURN t.sync_token, t.is_deleted, l.role, l.posting_type, l.amount_home, a.qbo_id
ORDER BY l.line_number
"""


def invoice_130_without_lines(records: Records) -> None:
    invoice = record(records, "Invoice", "130")
    newer(invoice)
    del invoice["Line"]


def journal_entry_192_to_an_unknown_account(records: Records) -> None:
    line = record(records, "JournalEntry", "192")["Line"][1]
    line["JournalEntryLineDetail"]["AccountRef"] = {"value": "99999"}


@pytest.fixture(scope="module")
def only_r1(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Every row of a graph that loaded the untouched recording and nothing else."""
    root = tmp_path_factory.mktemp("only-r1")
    books = Books(root)
    try:
        books.transform(sample_copy(root, "original"), "r1")
        books.load("r1")
        return graph_rows(books.service, GRAPH)
    finally:
        books.service.close()


@pytest.fixture(name="books")
def books_fixture(tmp_path: Path) -> Iterator[Books]:
    books = Books(tmp_path)
    yield books
    books.service.close()


def load_both(books: Books, tmp_path: Path, edit: Any) -> dict[str, dict[str, Any]]:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")
    books.transform(sample_copy(tmp_path, "edited", edit), "r2")
    return books.load("r2")


def unit_keys(books: Books, unit: str) -> dict[str, int]:
    """Per table, the distinct keys of the unit's staged files (those that hold any)."""
    found = {}
    for name, table in TABLES.items():
        keys = ", ".join(f't."{k}"' for k in table.key)
        sql = (
            f'SELECT count(*) FROM (SELECT DISTINCT {keys} FROM "{name}" t '
            f"JOIN file_registry r ON r.file_id = t.file_id WHERE r.source_unit = '{unit}')"
        )
        ((count,),) = books.service.query_staging(GRAPH, sql)["rows"]
        if count:
            found[name] = count
    return found


def counted_keys(answer: dict[str, Any]) -> dict[str, int]:
    """Per table, removed + rewritten + unchanged + kept + untouched of a delete's answer
    (restored rows are keys the unit's files do not hold)."""
    found: dict[str, int] = {}
    for kind in ("removed", "rewritten", "unchanged", "kept", "untouched"):
        for name, count in answer[kind].items():
            found[name] = found.get(name, 0) + count
    return found


def assert_same_graph(found: dict[str, list], expected: dict[str, list]) -> None:
    for name, rows in expected.items():
        assert (name, len(found[name])) == (name, len(rows))
        assert found[name] == rows, name


def test_deleting_the_run_that_took_invoice_130s_lines_gives_them_back(
    books: Books, tmp_path: Path, only_r1: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = load_both(books, tmp_path, invoice_130_without_lines)
    assert edited["LedgerTransaction"]["nodes_removed"] == {"LineItem": 3}
    assert books.cypher(INVOICE_130_LINES) == [  # the postings the transform derives
        ["4", False, "header", "debit", "362.07", "84"],
        ["4", False, "tax", "credit", "26.82", "ledgergraph-sales-tax"],
    ]

    keys = unit_keys(books, "r2")
    books.service.close()
    capsys.readouterr()
    reach = ["--home", str(tmp_path / "node"), "--graph", GRAPH]
    assert cli(["delete-source", "r2", *reach, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    books.service = Books(tmp_path).service

    assert books.cypher(INVOICE_130_LINES) == [  # SyncToken 3 again, with its three lines
        ["3", False, "header", "debit", "362.07", "84"],
        ["3", False, "line", "credit", "275", "79"],
        ["3", False, "line", "credit", "12.75", "79"],
        ["3", False, "line", "credit", "47.5", "48"],
        ["3", False, "tax", "credit", "26.82", "ledgergraph-sales-tax"],
    ]
    # r2 held every key, but only Invoice 130 (SyncToken 4 back to 3) and its tax posting
    # (r2 had numbered it 1) differ from r1's rows: the rest is unchanged, not rewritten;
    # line 1's account relationship changes with that numbering. The relationships r2
    # shares with r1 (and the Elements) were r1's rows in the graph all along: untouched.
    # Invoice 130's three lines are restored: keys r2's files do not hold
    assert (answer["files"], answer["kept"]) == (19, {})
    assert answer["removed"] == {"LINE_POSTS_TO_ACCOUNT": 1}
    assert answer["rewritten"] == {"LedgerTransaction": 1, "LineItem": 1}
    assert answer["unchanged"] == {
        "Entity": 1, "LedgerAccount": 93, "LedgerTransaction": 147, "LineItem": 348,
        "Customer": 33, "Vendor": 35, "Item": 23,
    }  # fmt: skip
    assert answer["restored"] == {
        "LineItem": 3, "TRANSACTION_HAS_LINE": 3, "LINE_POSTS_TO_ACCOUNT": 4, "LINE_HAS_ITEM": 3
    }  # fmt: skip
    assert answer["untouched"] == {
        "Element": 28, "COMPANY_HAS_ACCOUNT": 93, "COMPANY_HAS_TRANSACTION": 148,
        "TRANSACTION_HAS_LINE": 349, "LINE_POSTS_TO_ACCOUNT": 348, "ACCOUNT_HAS_PARENT": 30,
        "ACCOUNT_MAPS_TO_ELEMENT": 93, "LINE_HAS_ITEM": 78, "TRANSACTION_HAS_CUSTOMER": 62,
        "TRANSACTION_HAS_VENDOR": 58, "TRANSACTION_LINKS_TO": 57, "ITEM_USES_ACCOUNT": 32,
    }  # fmt: skip
    assert len(keys) == 19 and counted_keys(answer) == keys  # every table of the unit
    assert_same_graph(graph_rows(books.service, GRAPH), only_r1)
    books.service.rebuild(GRAPH)
    assert_same_graph(graph_rows(books.service, GRAPH), only_r1)


def test_deleting_the_run_that_rejected_a_journal_entry_line_gives_the_line_back(
    books: Books, tmp_path: Path, only_r1: dict
) -> None:
    edited = load_both(books, tmp_path, journal_entry_192_to_an_unknown_account)
    assert edited["LedgerTransaction"]["nodes_removed"] == {"LineItem": 1}

    keys = unit_keys(books, "r2")
    answer = books.service.delete_source(GRAPH, "r2")
    books.transform(sample_copy(tmp_path, "original-again"), "r3")
    again = books.load("r3")

    assert answer["restored"] == {
        "LineItem": 1, "TRANSACTION_HAS_LINE": 1, "LINE_POSTS_TO_ACCOUNT": 1
    }  # fmt: skip
    assert answer["removed"] == {} and answer["kept"] == {}
    assert len(keys) == 19 and counted_keys(answer) == keys  # every table of the unit
    # the key ledgers and recorded versions agree with the graph: loading r1's recording
    # once more adds and updates nothing
    assert {t: (r["rows_added"], r["rows_updated"]) for t, r in again.items()} == {
        t: (0, 0) for t in again
    }
    assert_same_graph(graph_rows(books.service, GRAPH), only_r1)


class Crash(BaseException):
    """Stands in for the process dying."""


def test_a_delete_that_died_after_restoring_the_graph_is_finished_on_reopen(
    books: Books, tmp_path: Path, only_r1: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_both(books, tmp_path, invoice_130_without_lines)

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr("graph_node.deletion.mark_deleted", crash)
    with pytest.raises(Crash):  # the graph changed, staging did not
        books.service.delete_source(GRAPH, "r2")
    monkeypatch.undo()
    books.service.close()
    books.service = Books(tmp_path).service  # reopening runs the delete again

    intents = books.service.query_staging(GRAPH, "SELECT count(*) FROM write_intents")
    assert intents["rows"] == [[0]]
    assert books.service.stats(GRAPH)["files"]["deleted"] == 19
    assert_same_graph(graph_rows(books.service, GRAPH), only_r1)

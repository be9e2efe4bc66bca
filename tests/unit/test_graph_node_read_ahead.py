"""Reading the calls of a several-table materialize ahead of the engine: what waits for what."""

from __future__ import annotations

import threading

import pytest

from graph_node.read_ahead import ReadAhead
from graph_node.upsert import rewritten_by
from ledgergraph.graph_schema import TABLES

FACT, PERIOD, UNIT = TABLES["Fact"], TABLES["Period"], TABLES["Unit"]
FACT_HAS_PERIOD = TABLES["FACT_HAS_PERIOD"]
ACCOUNT = TABLES["LedgerAccount"]  # an upsert table
ACCOUNT_MAPS_TO_ELEMENT = TABLES["ACCOUNT_MAPS_TO_ELEMENT"]  # versioned with its accounts
ENTITY, REPORT = TABLES["Entity"], TABLES["Report"]  # SEC's upsert table and a node table


class Reads:
    """``prepare`` for ReadAhead that records which calls were read."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.read: list[str] = []
        self.fail_on = fail_on
        self.changed = threading.Condition()

    def __call__(self, table: object, file_ids: list[str]) -> str:
        name = file_ids[0]
        if name == self.fail_on:
            raise ValueError(f"cannot read {name}")
        with self.changed:
            self.read.append(name)
            self.changed.notify_all()
        return name

    def wait_for(self, count: int) -> list[str]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.read) >= count, timeout=5)
            return list(self.read)


def test_node_tables_are_read_ahead_but_not_beyond_the_depth() -> None:
    reads = Reads()
    calls = [(FACT, ["fact"]), (PERIOD, ["period"]), (UNIT, ["unit"])]
    reader = ReadAhead(calls, reads, depth=2)
    try:
        assert reads.wait_for(2) == ["fact", "period"]  # the third waits for a take
        assert reader.take(0) == "fact"
        assert reads.wait_for(3) == ["fact", "period", "unit"]
    finally:
        reader.stop()


def test_a_relationship_waits_for_its_endpoint_tables_intents() -> None:
    reads = Reads()
    calls = [(PERIOD, ["period"]), (FACT, ["fact"]), (FACT_HAS_PERIOD, ["fact_has_period"])]
    reader = ReadAhead(calls, reads, depth=3)
    try:
        assert reads.wait_for(2) == ["period", "fact"]
        reader.take(0)
        reader.recorded(0)  # Period's keys are in its ledger; Fact's are not yet
        reader.take(1)
        assert reads.read == ["period", "fact"]
        reader.recorded(1)
        assert reads.wait_for(3)[-1] == "fact_has_period"
    finally:
        reader.stop()


@pytest.mark.parametrize(
    ("first", "second"),
    [(FACT, FACT), (ACCOUNT, ACCOUNT_MAPS_TO_ELEMENT), (UNIT, ACCOUNT)],
    ids=["same table", "after an upsert table whose finish may rewrite it", "an upsert table"],
)  # fmt: skip
def test_some_calls_wait_for_the_call_before_to_finish(first: object, second: object) -> None:
    reads = Reads()
    reader = ReadAhead([(first, ["one"]), (second, ["two"])], reads, depth=3)
    try:
        reader.take(0)
        reader.recorded(0)
        assert reads.read == ["one"]  # a recorded intent is not enough
        reader.finished(0)
        assert reads.wait_for(2) == ["one", "two"]
    finally:
        reader.stop()


def test_tables_an_upsert_cannot_change_are_read_before_it_finishes() -> None:
    reads = Reads()
    calls = [(ENTITY, ["entity"]), (REPORT, ["report"]), (FACT, ["fact"])]
    reader = ReadAhead(calls, reads, depth=3)
    try:
        assert reads.wait_for(3) == ["entity", "report", "fact"]  # nothing taken or finished
    finally:
        reader.stop()


def test_a_failed_read_reaches_its_call_and_nothing_after_it_is_read() -> None:
    reads = Reads(fail_on="period")
    calls = [(FACT, ["fact"]), (PERIOD, ["period"]), (UNIT, ["unit"])]
    reader = ReadAhead(calls, reads, depth=3)
    try:
        assert reader.take(0) == "fact"
        with pytest.raises(ValueError, match="cannot read period"):
            reader.take(1)
    finally:
        reader.stop()
    assert reads.read == ["fact"]


def test_stop_ends_a_reader_waiting_for_a_call_that_never_comes() -> None:
    reads = Reads()
    reader = ReadAhead([(FACT, ["fact"]), (FACT, ["again"])], reads, depth=3)
    reader.take(0)
    reader.stop()  # the second read waits for the first call to finish: stop ends it

    assert not reader._thread.is_alive()
    assert reads.read == ["fact"]


def test_an_upsert_may_rewrite_its_relationships_and_the_nodes_they_hold() -> None:
    assert rewritten_by(TABLES["LedgerTransaction"]) >= {
        "LedgerTransaction", "TRANSACTION_HAS_LINE", "LineItem", "LINE_POSTS_TO_ACCOUNT",
    }  # fmt: skip
    assert rewritten_by(ENTITY) == {
        "Entity", "ENTITY_HAS_REPORT", "ENTITY_HAS_SECURITY", "COMPANY_HAS_ACCOUNT",
        "COMPANY_HAS_TRANSACTION",
    }  # fmt: skip
    assert rewritten_by(FACT) == frozenset()  # it only ever adds

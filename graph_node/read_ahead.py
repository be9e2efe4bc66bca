"""Reading the calls of a several-table materialize ahead of the engine.

``materialize.materialize_tables`` makes its calls one after the other; what each call
reads from staging before its COPY (its files, its key ledger's count, its candidate rows
flagged present or new, the copy guard's check) can be read earlier, by another thread,
while the engine copies the calls before it. A call reads only its own table's files,
ledger and versions, and for a relationship the key ledgers of its endpoint tables, so
call ``j`` may be read once every earlier call ``i`` that changes any of that is far
enough along:

- ``i`` copies one of ``j``'s endpoint tables: once ``i``'s write intent has committed
  (its keys are in that table's ledger from then on, which the endpoint check reads);
- ``i`` copies ``j``'s own table, ``j``'s is an upsert table (its plan reads other
  tables' ledgers), or ``i``'s is an upsert table whose finish may rewrite the ledger or
  versions of ``j``'s table or of an endpoint table of ``j`` (``upsert.rewritten_by``):
  once ``i`` is finished.

One thread reads the calls in order, at most ``depth`` calls ahead of the one being
copied, so a long request never holds every table's rows at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from graph_node.upsert import rewritten_by, upserts
from ledgergraph.graph_schema import RelTable, Table

Prepared = TypeVar("Prepared")
Call = tuple[Table, Sequence[str]]

_RECORDED, _FINISHED = 1, 2


def _stage_needed(earlier: Table, later: Table) -> int:
    """How far a call of ``earlier`` must be before a later call of ``later`` is read.

    An upsert call holds back only the calls of tables it may rewrite: ``Report`` and
    ``Fact`` are read while SEC's ``Entity`` (its only upsert table, its first call)
    copies, ~40 ms a request on 20 filings (timeline in docs/performance.md).
    """
    ends = {later.from_table, later.to_table} if isinstance(later, RelTable) else set()
    if earlier is later or upserts(later) or rewritten_by(earlier) & {later.name, *ends}:
        return _FINISHED
    if earlier.name in ends:
        return _RECORDED
    return 0


class ReadAhead(Generic[Prepared]):
    """Reads ``calls`` with ``prepare`` in a thread of its own; ``take`` each in order.

    The caller says when each call's intent has committed (``recorded``) and when it is
    finished (``finished``), and must ``stop`` it in the end (a read under way is waited
    for: it only reads, but nothing is left running).
    """

    def __init__(
        self, calls: Sequence[Call], prepare: Callable[[Table, Sequence[str]], Prepared], *,
        depth: int,
    ) -> None:  # fmt: skip
        self._calls = list(calls)
        self._prepare = prepare
        self._depth = depth
        self._stage = [0] * len(self._calls)
        self._taken = 0
        self._stopped = False
        self._changed = threading.Condition()
        self._read: list[Future[Prepared]] = [Future() for _ in self._calls]
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)
        self._thread.start()

    def take(self, index: int) -> Prepared:
        """Call ``index``'s rows, once read (raises what reading them raised)."""
        prepared = self._read[index].result()
        self._advance(lambda: setattr(self, "_taken", index + 1))
        return prepared

    def recorded(self, index: int) -> None:
        self._advance(lambda: self._set(index, _RECORDED))

    def finished(self, index: int) -> None:
        self._advance(lambda: self._set(index, _FINISHED))

    def stop(self) -> None:
        self._advance(lambda: setattr(self, "_stopped", True))
        self._thread.join()

    def _set(self, index: int, stage: int) -> None:
        self._stage[index] = max(self._stage[index], stage)

    def _advance(self, change: Callable[[], object]) -> None:
        with self._changed:
            change()
            self._changed.notify_all()

    def _may_read(self, later: int) -> bool:
        if later >= self._taken + self._depth:
            return False
        table = self._calls[later][0]
        return all(self._stage[i] >= _stage_needed(self._calls[i][0], table) for i in range(later))

    def _run(self) -> None:
        for index, (table, file_ids) in enumerate(self._calls):
            with self._changed:
                self._changed.wait_for(lambda i=index: self._stopped or self._may_read(i))
                if self._stopped:
                    return
            try:
                self._read[index].set_result(self._prepare(table, file_ids))
            except BaseException as exc:  # handed to the caller with this call's rows
                self._read[index].set_exception(exc)
                return

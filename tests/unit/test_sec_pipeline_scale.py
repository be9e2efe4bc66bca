"""The SEC state machine over 600 filings: every payload stays far below 256 KiB.

The run goes through ``sec_pipeline.asl.json`` itself with the stub XBRL task and an
in-process stub graph node (``pipeline_stubs``), failures injected at every stage. The
history events of the execution and of every child execution of the distributed Maps
(moto keeps those apart) are measured as they are written: Step Functions refuses any
state input, output or task parameters over 256 KiB.

NOTE: in moto a loaded filing costs about 0.1 s of CPU (two Lambda tasks and its share of
a batch's MaterializeBatch, a dozen JSONata evaluations), so only the first 8 filings of
each batch are loadable; the others fail in
processing. What could outgrow a payload (the input list, the plan, the Map's results,
the summary) grows with the filings planned, not with those loaded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pipeline_stubs as stubs
import pytest
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

from ledgergraph.batches import FilingRef
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.settings import PipelineSettings
from localrun.pipeline import SEC_PIPELINE, run_state_machine, sec_filings_input

FILINGS, BATCH_SIZE, LOADABLE = 600, 50, 8
PAYLOAD_LIMIT = 256 * 1024
STUB_TASK = (sys.executable, str(Path(stubs.__file__)), "xbrl-task")
RUN = "scale1"

CRASH = 160  # its task exits 3: batch 3 (filings 150-199) fails as a whole
REJECTED, DOWN = {1, 402}, {503}  # the node refuses to stage; never answers a register


def unit(n: int) -> str:
    return f"0000000042-24-{n:06d}"


def entry_point(n: int) -> str:
    if n == CRASH:
        return f"crash-{n}.htm"
    if n % BATCH_SIZE < LOADABLE:
        return f"good-{n}.htm"
    return f"bad-{n}.htm" if n % 2 == 0 else f"silent-{n}.htm"


def expected(n: int) -> tuple[str, str | None]:
    """(status, error type) the summary should give filing ``n``."""
    if n // BATCH_SIZE == CRASH // BATCH_SIZE:
        return "failed", "States.TaskFailed"
    if n in REJECTED:
        return "failed", "GraphNodeRejected"
    if n in DOWN:  # the node, not the filing: interrupted, loaded again by the next run
        return "interrupted", "GraphNodeUnavailable"
    if n % BATCH_SIZE < LOADABLE:
        return "loaded", None
    return "failed", "FilingError" if n % 2 == 0 else "NoOutput"


class DownNode(stubs.StubGraphNode):
    """The stub node, answering 503 to every register of the units in ``down``."""

    def __init__(self, *, down: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.down = down

    def _failure(self, op: str, unit: str, headers: Any) -> tuple[int, dict] | None:
        if op == "register" and unit in self.down:
            return 503, {"error": {"type": "WriterBusy", "message": "busy", "transient": True}}
        return super()._failure(op, unit, headers)


@pytest.fixture(scope="module")
def event_sizes() -> Iterator[list[tuple[str, int]]]:
    """(event type, bytes of its details) of every history event, child executions too."""
    sizes: list[tuple[str, int]] = []
    original = EventManager.add_event

    def measured(self: EventManager, context: Any, event_type: Any, *args: Any, **kw: Any):
        details = kw.get("event_details", args[0] if args else None)
        sizes.append((str(event_type), len(json.dumps(details or {}, default=str))))
        return original(self, context, event_type, *args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(EventManager, "add_event", measured)
        yield sizes


@pytest.fixture(scope="module")
def scale_run(
    tmp_path_factory: pytest.TempPathFactory, event_sizes: list[tuple[str, int]]
) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("scale")
    store = LocalObjectStore(home / "store")
    node = DownNode(api_key="stub-key", down={unit(n) for n in DOWN})
    node.reject |= {("stage", unit(n)) for n in REJECTED}
    server = stubs.serve(node)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    refs = [
        FilingRef(
            source_unit=unit(n),
            cik=42,
            package_prefix=f"raw/sec/42/{unit(n)}/",
            entry_point=entry_point(n),
            form="10-K",
        )
        for n in range(FILINGS)
    ]
    payload = {"graph_id": "sec", "run_id": RUN, "batch_size": BATCH_SIZE}
    payload |= sec_filings_input(store, refs, graph_id="sec", run_id=RUN)
    try:
        result = run_state_machine(
            SEC_PIPELINE,
            payload,
            settings=PipelineSettings(home=home, graph_api_url=url, graph_api_key="stub-key"),
            task_command=STUB_TASK,
            log_dir=home / "logs",
            execution_name=RUN,
        )
    finally:
        server.shutdown()
        server.server_close()
    summary = json.loads(store.get_bytes(result.output["summary_key"]))
    yield {"result": result, "payload": payload, "summary": summary, "sizes": list(event_sizes),
           "node": node}  # fmt: skip


def test_a_long_filing_list_goes_in_by_key(scale_run) -> None:
    assert set(scale_run["payload"]) == {"graph_id", "run_id", "batch_size", "filings_key"}


def test_no_state_input_output_or_parameters_comes_near_256_kib(scale_run) -> None:
    sizes = scale_run["sizes"]
    largest = max(sizes, key=lambda s: s[1])

    assert len(sizes) > FILINGS * 2  # the children's events were measured too
    assert largest[1] < PAYLOAD_LIMIT / 8, largest


def test_the_output_carries_counts_and_the_summary_key_not_the_lines(scale_run) -> None:
    result = scale_run["result"]
    loaded = sum(1 for n in range(FILINGS) if expected(n)[0] == "loaded")
    counts = (result.output["loaded"], result.output["interrupted"], result.output["failed"])

    assert result.status == "SUCCEEDED", result.cause
    assert "filings" not in result.output
    assert result.output["summary_key"] == f"work/sec/{RUN}/summary.json"
    assert counts == (loaded, len(DOWN), FILINGS - loaded - len(DOWN))


def test_every_filing_is_in_the_summary_once_with_its_outcome(scale_run) -> None:
    lines = scale_run["summary"]["filings"]

    assert [line["source_unit"] for line in lines] == [unit(n) for n in range(FILINGS)]
    for n, line in enumerate(lines):
        assert (line["status"], line["error_type"]) == expected(n), n
    assert "exited with code 3" in lines[CRASH + 1]["error"]
    assert "503 WriterBusy" in lines[503]["error"]
    assert "null key" in lines[402]["error"]


def test_each_batch_is_materialized_in_one_call_per_table(scale_run) -> None:
    requests = scale_run["node"].requests
    materialized = sorted((t, units) for op, t, units in requests if op == "materialize")
    batches = [range(start, start + BATCH_SIZE) for start in range(0, FILINGS, BATCH_SIZE)]
    loaded = [[unit(n) for n in batch if expected(n)[0] == "loaded"] for batch in batches]

    assert materialized == sorted(
        (table, units) for units in loaded if units for table in stubs.STUB_TABLES
    )

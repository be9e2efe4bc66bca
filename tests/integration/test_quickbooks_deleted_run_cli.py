"""The tester's command sequence: load, load a copy lacking two records, delete that run,
load the copy again. The run after the delete marks the two records deleted again."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_quickbooks_cli import DOCS, run_cli
from test_quickbooks_pipeline import keep_log_levels  # noqa: F401 - fixture

from localrun.quickbooks_sample import SAMPLE_COMPANY, SAMPLE_REALM

pytestmark = pytest.mark.slow
GRAPH = f"qbo-{SAMPLE_REALM}"
LIVE = "MATCH (t:LedgerTransaction {qbo_id: '161'}), (c:Customer {qbo_id: '29'}) "
LIVE += "RETURN t.doc_number, t.is_deleted, c.is_deleted"


def copy_without_invoice_161_and_customer_29(root: Path) -> Path:
    folder = root / "copy"
    folder.mkdir()
    for path in SAMPLE_COMPANY.iterdir():
        body = json.loads(path.read_text())
        dropped = {"Invoice.json": "161", "Customer.json": "29"}.get(path.name)
        if dropped:
            entity = path.stem
            kept = [r for r in body["QueryResponse"][entity] if r["Id"] != dropped]
            body["QueryResponse"][entity] = kept
        (folder / path.name).write_text(json.dumps(body))
    return folder


def load(capsys: pytest.CaptureFixture[str], home: Path, *source: str) -> dict[str, Any]:
    code, summary = run_cli(capsys, "quickbooks", "load-sample", "--home", str(home),
                            *source, "--json")  # fmt: skip
    assert (code, summary["status"]) == (1, "loaded")  # the sandbox's own failures
    return summary


def state(capsys: pytest.CaptureFixture[str], home: Path) -> tuple[list[Any], Decimal]:
    """Invoice 161 and Customer 29 (doc number, deleted, deleted), and revenue."""
    reach = ("--home", str(home), "--graph", GRAPH, "--json")
    cypher = re.search(r"```cypher\n(.*?)```", DOCS.read_text(), re.DOTALL).group(1)
    _, income = run_cli(capsys, "query", *reach, cypher)
    _, live = run_cli(capsys, "query", *reach, LIVE)
    revenue = next(Decimal(v) for _, concept, v in income["rows"] if concept.endswith("Revenues"))
    return live["rows"][0], revenue


def test_a_load_after_deleting_a_run_marks_the_missing_records_deleted_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    source = ("--source", str(copy_without_invoice_161_and_customer_29(tmp_path)))
    load(capsys, home)
    run_b = load(capsys, home, *source)["run_id"]
    code, _ = run_cli(capsys, "delete-source", "--home", str(home), "--graph", GRAPH, run_b)
    assert code == 0
    assert state(capsys, home) == (["1043", False, False], Decimal("8732.02"))

    run_c = load(capsys, home, *source)
    run_d = load(capsys, home, *source)

    assert (run_c["deleted"], run_c["deleted_inferred"]) == (2, 2)
    assert state(capsys, home) == (["1043", True, True], Decimal("8632.02"))
    assert run_d["deleted_inferred"] == 0  # already deleted: nothing new to infer
    assert run_d["rows_updated"] == 0


def test_a_stale_snapshot_whose_raw_page_is_gone_fails_the_run_naming_key_and_ways_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run C's snapshot must be rebuilt once B below it is deleted; its Invoice page is gone
    from the store, so the next load stops where it reads that snapshot (load-sample's
    listing check, before it lands anything) as it does for its other data errors (exit
    1, the error object), naming the run, the key and what to do, not a bare
    ObjectNotFound. A sync stops at TransformRun with the same error."""
    home = tmp_path / "home"
    source = ("--source", str(copy_without_invoice_161_and_customer_29(tmp_path)))
    load(capsys, home)
    run_b = load(capsys, home, *source)["run_id"]
    run_c = load(capsys, home)["run_id"]
    code, _ = run_cli(capsys, "delete-source", "--home", str(home), "--graph", GRAPH, run_b)
    assert code == 0
    page = home / "store" / "raw" / "quickbooks" / SAMPLE_REALM / "Invoice" / f"{run_c}-1.json"
    page.unlink()

    code, summary = run_cli(capsys, "quickbooks", "load-sample", "--home", str(home),
                            *source, "--json")  # fmt: skip

    assert code == 1
    assert summary["error"]["type"] == "QuickBooksDataError"
    key = f"raw/quickbooks/{SAMPLE_REALM}/Invoice/{run_c}-1.json"
    assert summary["error"]["message"] == (
        f"the records snapshot of sync run {run_c} (realm {SAMPLE_REALM}) must be rebuilt, "
        f"since run {run_b} below it was deleted from graph {GRAPH}, but its raw page {key} "
        "is gone from the object store. Put that page back and run the command again, or "
        f"delete run {run_c} from the graph as well (`ledgergraph delete-source --graph "
        f"{GRAPH} {run_c}`): later runs then compare with the newest earlier run the graph "
        "holds"
    )
    assert state(capsys, home) == (["1043", False, False], Decimal("8732.02"))  # unchanged

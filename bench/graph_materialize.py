"""Benchmark: materialization throughput against a raw Arrow COPY of the same rows.

Filings (the bundled real ones and synthetic copies, see bench/_filings.py) are registered
and staged in an in-process graph node; then every graph table is materialized with all
its files (what a batch of filings costs: staging reads, key lookups, the copy guard, the
write intent, COPY, the count checks, the registry update), two ways: in one request for
every table, as the SEC pipeline's MaterializeBatch asks (the node reads each table's rows
while the engine copies the table before), and in one call per table. Right after, the
rows added are COPYed straight from Arrow into an empty LadybugDB with the same schema,
table by table (for the call per table, right after each call, so a burst of load from
other work on the machine hits both sides alike). The whole measure is repeated on fresh
graphs (``--rounds``, default 3) and each side keeps its fastest round (per table for the
call per table); each round's own ratio is printed too. Reported: rows/s of both, overall
and for the tables of 10,000 rows or more, and for a single filing materialized table by
table. Target: materialize >= 80 % of raw COPY.

    python bench/graph_materialize.py [--filings 20] [--rounds 3] [--work DIR]
        [--isolation in-process|child-process]
"""

from __future__ import annotations

import argparse
import importlib.util  # noqa: F401  real_ladybug's parameterised execute needs it loaded
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

import real_ladybug as lb  # noqa: E402
from _filings import manifests_for, register_entries  # noqa: E402

from graph_node.graph_store import create_schema, engine_options  # noqa: E402
from graph_node.service import GraphService  # noqa: E402
from graph_node.settings import NodeSettings  # noqa: E402
from ledgergraph.graph_schema import LOAD_ORDER, TABLES  # noqa: E402

GRAPH = "sec"
LARGE = 10_000
Timings = dict[str, tuple[int, float]]


def stage(service: GraphService, batch: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Register and stage the filings; file ids by table."""
    ids: dict[str, list[str]] = {}
    for manifest in batch:
        for entry in service.register_files(GRAPH, register_entries(manifest))["files"]:
            ids.setdefault(entry["table"], []).append(entry["file_id"])
    service.stage_files(GRAPH, [i for table_ids in ids.values() for i in table_ids])
    return ids


def measure(
    service: GraphService, ids: dict[str, list[str]], folder: Path
) -> tuple[Timings, Timings]:
    """Each table's files in one call, in load order, each followed at once by a raw COPY
    of the rows it added into an empty database (so both see the same machine load);
    rows and seconds per table, of materialize and of the raw COPY."""
    options = engine_options(read_only=False, buffer_pool_mb=1024, max_db_size_mb=65536)
    db = lb.Database(str(folder / "raw.lbug"), **options)
    conn = lb.Connection(db)
    ours: Timings = {}
    raw: Timings = {}
    try:
        create_schema(conn)
        for table in LOAD_ORDER:
            if table not in ids:
                continue
            started = time.perf_counter()
            answer = service.materialize(GRAPH, table, ids[table])
            ours[table] = (answer["rows_added"], time.perf_counter() - started)
            data = service.graph(GRAPH).store.dump(TABLES[table])
            started = time.perf_counter()
            conn.execute(f"COPY `{table}` FROM $rows", {"rows": data})
            raw[table] = (data.num_rows, time.perf_counter() - started)
    finally:
        conn.close()
        db.close()
    return ours, raw


def measure_request(
    service: GraphService, ids: dict[str, list[str]], folder: Path
) -> tuple[Timings, Timings]:
    """Every table's files in one request, then a raw COPY of the rows into an empty
    database table by table; rows and seconds of each side ("all tables"), and under
    "checkpoint" the MiB of staging log the request left and the seconds to fold it in."""
    calls = [{"table": t, "file_ids": ids[t]} for t in LOAD_ORDER if t in ids]
    staging = service.graph(GRAPH).staging
    staging.checkpoint()  # the staging step's log is not the request's
    started = time.perf_counter()
    answer = service.materialize_tables(GRAPH, calls)
    seconds = time.perf_counter() - started
    assert answer["stopped"] is None, answer["stopped"]
    logged = Path(f"{staging.path}.wal").stat().st_size
    started = time.perf_counter()
    staging.checkpoint()
    checkpoint = (logged >> 20, time.perf_counter() - started)
    added = sum(r["rows_added"] for r in answer["results"])
    options = engine_options(read_only=False, buffer_pool_mb=1024, max_db_size_mb=65536)
    db = lb.Database(str(folder / "raw.lbug"), **options)
    conn = lb.Connection(db)
    try:
        create_schema(conn)
        dumps = [service.graph(GRAPH).store.dump(TABLES[c["table"]]) for c in calls]
        started = time.perf_counter()
        for call, data in zip(calls, dumps, strict=True):
            conn.execute(f"COPY `{call['table']}` FROM $rows", {"rows": data})
        raw = time.perf_counter() - started
    finally:
        conn.close()
        db.close()
    rows = sum(d.num_rows for d in dumps)
    return ({"all tables": (added, seconds), "checkpoint": checkpoint},
            {"all tables": (rows, raw), "checkpoint": (0, 0.0)})  # fmt: skip


def report_request(label: str, ours: Timings, raw: Timings) -> None:
    """``report`` of a one-request measure, then with the staging checkpoint it owes."""
    report(label, {"all tables": ours["all tables"]}, {"all tables": raw["all tables"]})
    (rows, seconds), (logged, checkpoint) = ours["all tables"], ours["checkpoint"]
    owed = {"all tables": (rows, seconds + checkpoint)}
    report(f"{label}, with the checkpoint of the {logged} MiB of staging log it left "
           f"({checkpoint * 1000:.0f} ms)", owed, {"all tables": raw["all tables"]})  # fmt: skip


def rate(timings: Timings, *, at_least: int = 0) -> tuple[int, float]:
    picked = [(n, s) for n, s in timings.values() if n >= at_least]
    rows, seconds = sum(n for n, _ in picked), sum(s for _, s in picked)
    return rows, rows / seconds if seconds else 0.0


def report(label: str, ours: Timings, raw: Timings, *, at_least: int = 0) -> None:
    rows, ours_rate = rate({t: v for t, v in ours.items() if v[0]}, at_least=at_least)
    _, raw_rate = rate({t: raw[t] for t, v in ours.items() if v[0]}, at_least=at_least)
    ratio = ours_rate / raw_rate if raw_rate else 0.0
    verdict = "met" if ratio >= 0.8 else "NOT met"
    print(f"  {label}: {rows} rows; materialize {ours_rate:,.0f} rows/s, raw COPY "
          f"{raw_rate:,.0f} rows/s: {ratio:.0%} (target >= 80 %: {verdict})")  # fmt: skip


def measure_fresh(
    store: Path, work: Path, batch: list[dict[str, Any]], isolation: str, *, request: bool
) -> tuple[Timings, Timings]:
    """``measure`` (or, with ``request``, ``measure_request``) on a new graph node under
    ``work`` (staging is not timed)."""
    settings = dict(store_uri=store.as_uri(), events="none", copy_isolation=isolation)
    (work / "raw").mkdir(parents=True)
    service = GraphService(NodeSettings(home=work / "node", **settings))
    try:
        ids = stage(service, batch)
        if not request:
            return measure(service, ids, work / "raw")
        return measure_request(service, ids, work / "raw")
    finally:
        service.close()


def fastest(rounds: list[Timings]) -> Timings:
    """Per table, the fastest of the rounds (the least disturbed by other work)."""
    return {t: min((r[t] for r in rounds), key=lambda v: v[1]) for t in rounds[0]}


def run(store: Path, work: Path, filings: int, isolation: str, rounds: int) -> None:
    batch = manifests_for(store, filings + 1)
    requests, bulk, single = [], [], []
    for i in range(rounds):  # the three measures alternate, so that each sees every load
        requests.append(measure_fresh(store, work / f"request-{i}", batch[:filings],
                                      isolation, request=True))  # fmt: skip
        bulk.append(measure_fresh(store, work / f"bulk-{i}", batch[:filings], isolation,
                                  request=False))  # fmt: skip
        single.append(measure_fresh(store, work / f"single-{i}", batch[filings:], isolation,
                                    request=False))  # fmt: skip
    print(f"graph_materialize: {filings} filings, copy isolation {isolation}, "
          f"fastest of {rounds} round(s) on both sides")  # fmt: skip
    whole = "all tables"
    for i, (r_ours, r_raw) in enumerate(requests, 1):
        report(f"round {i}: batch of {filings} filings, one request",
               {whole: r_ours[whole]}, {whole: r_raw[whole]})  # fmt: skip
    ours, raw = fastest([r[0] for r in requests]), fastest([r[1] for r in requests])
    report_request(f"batch of {filings} filings, one request for every table", ours, raw)
    ours, raw = fastest([b[0] for b in bulk]), fastest([b[1] for b in bulk])
    one, raw_one = fastest([s[0] for s in single]), fastest([s[1] for s in single])
    for i, (b_ours, b_raw) in enumerate(bulk, 1):
        report(f"round {i}: batch of {filings} filings, a call per table", b_ours, b_raw)
    report(f"batch of {filings} filings, a call per table", ours, raw)
    report(f"batch of {filings} filings, tables >= {LARGE:,} rows", ours, raw, at_least=LARGE)
    report("one filing, a call per table", one, raw_one)
    slowest = sorted(ours, key=lambda t: ours[t][1], reverse=True)[:5]
    listed = [f"{t} {ours[t][0]} {ours[t][1] * 1000:.0f} {raw[t][1] * 1000:.0f}" for t in slowest]
    print("  slowest tables (rows, materialize ms, raw COPY ms): " + "; ".join(listed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=20, help="filings in the batch")
    parser.add_argument("--isolation", default="in-process",
                        choices=("in-process", "child-process"))  # fmt: skip
    parser.add_argument("--work", type=Path, help="keeps the processed filings between runs")
    parser.add_argument("--rounds", type=int, default=3, help="fresh graphs measured")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-materialize-") as temp:
        store = (args.work or Path(temp)) / "store"
        run(store, Path(temp), args.filings, args.isolation, max(args.rounds, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Probe: does real_ladybug damage a graph loaded over two sessions, with and without compression?

Not a speed benchmark: it prints pass/fail counts, to be run after any schema change or
engine upgrade: real_ladybug 0.15.3 damages graphs loaded over several sessions for some
table layouts (docs/decisions.md). The bundled filings (processed by the XBRL task) are
split into two sessions every way the pipeline could: every ordered pair of single
filings, every two then two others, every three then the other two. Each split is loaded
with real_ladybug alone, in a child process: session 1 (one ``Database``) creates the graph
schema and COPYs its filings' rows from Arrow, one COPY per table in load order (as one
materialize call per table per batch does); it closes, with a CHECKPOINT only when the WAL
holds something (as the node does); session 2 COPYs its filings' new rows. Then every node
table's ids are read back and compared with the ids copied. ``--extra-entity-columns N``
adds N STRING columns to Entity (with compression, 0.15.3 failed 16 of 20 pairs with the
3-column Entity of schema 4 plus 7; schema 5 uncompressed failed 7 of the 40 batch splits).

    python bench/ladybug_layout_probe.py [--extra-entity-columns 0] [--work DIR]
"""

from __future__ import annotations

import argparse
import importlib.util  # noqa: F401  real_ladybug's parameterised execute needs it loaded
import json
import subprocess
import sys
import tempfile
from collections import Counter
from itertools import combinations, permutations
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import real_ladybug as lb
from _filings import GRAPH_ID, process_bundled

from graph_node import cypher_build as cb
from ledgergraph.graph_schema import LOAD_ORDER, TABLES, NodeTable


def _ddl(name: str, extra: int) -> str:
    table = TABLES[name]
    ddl = cb.node_ddl(table) if isinstance(table, NodeTable) else cb.rel_ddl(table)
    if name == "Entity" and extra:
        padding = "".join(f", `probe_{i}` STRING" for i in range(extra))
        ddl = ddl.replace(", PRIMARY KEY(id)", f"{padding}, PRIMARY KEY(id)")
    return ddl


def _rows(path: Path, name: str, extra: int, seen: set) -> pa.Table:
    """The file's rows whose keys no earlier session copied (the node copies only those)."""
    rows = pq.read_table(path)
    keys = zip(*(rows.column(k).to_pylist() for k in TABLES[name].key), strict=True)
    fresh = []
    for key in keys:
        fresh.append(key not in seen)
        seen.add(key)
    rows = rows.filter(pa.array(fresh, pa.bool_()))
    for i in range(extra if name == "Entity" else 0):
        rows = rows.append_column(f"probe_{i}", pa.array([f"v{i}"] * rows.num_rows))
    return rows


def _session(db_path: Path, units: list[Path], options: dict, extra: int, seen: dict) -> None:
    db = lb.Database(str(db_path), **options)
    conn = lb.Connection(db)
    tables = conn.execute("CALL show_tables() RETURN name").get_as_arrow()[0].to_pylist()
    for name in (n for n in TABLES if n not in tables):
        conn.execute(_ddl(name, extra))
    for name in LOAD_ORDER:
        paths = [u / f"{name}.parquet" for u in units if (u / f"{name}.parquet").exists()]
        parts = [_rows(path, name, extra, seen.setdefault(name, set())) for path in paths]
        parts = [rows for rows in parts if rows.num_rows]
        if parts:
            rows = pa.concat_tables(parts, promote_options="default")
            conn.execute(f"COPY `{name}` FROM $rows", {"rows": rows})
    wal = Path(f"{db_path}.wal")
    if wal.exists() and wal.stat().st_size:
        conn.execute("CHECKPOINT")
    conn.close()
    db.close()


def child(db_path: Path, sessions: list[list[Path]], compression: bool, extra: int) -> None:
    """Load each session's filings, then exit 3 if a node table's ids came back wrong."""
    seen: dict[str, set] = {}
    for units in sessions:
        _session(db_path, units, {"compression": compression}, extra, seen)
    conn = lb.Connection(lb.Database(str(db_path), read_only=True))
    for name, keys in seen.items():
        if isinstance(TABLES[name], NodeTable):
            got = conn.execute(f"MATCH (n:`{name}`) RETURN n.id").get_as_arrow()[0].to_pylist()
            if sorted(got) != sorted(k[0] for k in keys):
                print(f"{name}: ids read back differ", file=sys.stderr)
                sys.exit(3)


def _outcome(code: int, stderr: str) -> str:
    if code == 0:
        return "ok"
    if code < 0 or code == 139:
        return "SIGSEGV" if code in (-11, 139) else f"signal {-code}"
    if code == 3:
        return "wrong rows"
    return "primary key" if "primary key" in stderr else "error"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra-entity-columns", type=int, default=0)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ladybug-probe-"))
    store = work / "store"
    process_bundled(store)
    units = sorted(p.parent for p in store.glob(f"processed/{GRAPH_ID}/*/manifest.json"))
    columns = len(TABLES["Entity"].columns) + args.extra_entity_columns
    for compression in (True, False):
        for kind, splits in _splits(units).items():
            outcomes: Counter[str] = Counter()
            for n, sessions in enumerate(splits):
                folder = work / f"c{int(compression)}-{kind}-{n}"
                folder.mkdir(parents=True, exist_ok=True)
                argv = [sys.executable, __file__, "--child", str(folder / "graph.lbug"),
                        json.dumps([[str(u) for u in s] for s in sessions]),
                        str(int(compression)), str(args.extra_entity_columns)]  # fmt: skip
                done = subprocess.run(argv, capture_output=True, text=True, check=False)
                outcomes[_outcome(done.returncode, done.stderr)] += 1
            failed = sum(c for k, c in outcomes.items() if k != "ok")
            detail = ", ".join(f"{k} {c}" for k, c in sorted(outcomes.items()))
            print(f"compression {'on ' if compression else 'off'}: Entity of {columns} "
                  f"columns, {kind}: {failed} of {len(splits)} failed ({detail})")  # fmt: skip


def _splits(units: list[Path]) -> dict[str, list[list[list[Path]]]]:
    """The ways to load the filings over two sessions: singles, two then two, three then two."""
    two_two = [[list(first), list(second)]
               for first in combinations(units, 2)
               for second in combinations([u for u in units if u not in first], 2)]  # fmt: skip
    three_two = [[list(first), [u for u in units if u not in first]]
                 for first in combinations(units, 3)]  # fmt: skip
    return {
        "one then one": [[[a], [b]] for a, b in permutations(units, 2)],
        "two then two": two_two,
        "three then two": three_two,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        path, sessions, compression, extra = sys.argv[2:6]
        batches = [[Path(u) for u in s] for s in json.loads(sessions)]
        child(Path(path), batches, compression == "1", int(extra))
    else:
        main()

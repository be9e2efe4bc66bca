"""Real filings as graph-shaped Parquet for the graph benchmarks (a helper, not a benchmark).

``process_bundled`` runs the XBRL task over ``sample_data/sec`` once. ``make_variants``
turns those five real filings into any number of synthetic ones: variant ``k`` of a filing
is the same filing under another source unit, with its Report and Fact ids re-derived from
``k`` (deterministically), so it adds its own report and facts to a graph while sharing the
real Entity, Element, Period, Unit and Dimension nodes, as the next year's filing of the
same company would. The numbers are the real ones; only the identities are made up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ledgergraph.graph_schema import TABLES, RelTable
from ledgergraph.ids import stable_id
from ledgergraph.manifest import sha256_of

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SEC = REPO / "sample_data" / "sec"
GRAPH_ID = "sec"


def _id_columns(kind: str) -> dict[str, tuple[str, ...]]:
    """Columns holding a ``kind`` (Report or Fact) id, per table, from the graph schema."""
    found: dict[str, tuple[str, ...]] = {kind: ("id",)}
    for table in TABLES.values():
        if isinstance(table, RelTable):
            ends = (("from", table.from_table), ("to", table.to_table))
            columns = tuple(column for column, end in ends if end == kind)
            if columns:
                found[table.name] = columns
    return found


_FACT_COLUMNS = _id_columns("Fact")
# A Report's id is its source unit, which Report and Fact rows also carry as
# accession_number. Nodes shared by id (labels, networks, contexts ...) keep theirs.
_REPORT_COLUMNS = {**_id_columns("Report"), "Report": ("id", "accession_number"),
                   "Fact": ("accession_number",)}  # fmt: skip


def process_bundled(store: Path) -> list[dict[str, Any]]:
    """Run ``python -m xbrl_task`` over every bundled filing; their manifests."""
    if not list(store.glob(f"processed/{GRAPH_ID}/*/manifest.json")):
        packages = [a for p in sorted(SAMPLE_SEC.iterdir()) if p.is_dir()
                    for a in ("--package", str(p))]  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "xbrl_task", *packages, "--out", str(store)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
        )  # fmt: skip
    return manifests(store)


def manifests(store: Path) -> list[dict[str, Any]]:
    """Every manifest under ``processed/sec/``, sorted by source unit."""
    paths = sorted(store.glob(f"processed/{GRAPH_ID}/*/manifest.json"))
    return [json.loads(p.read_text()) for p in paths]


def make_variants(store: Path, originals: list[dict[str, Any]], count: int) -> list[dict]:
    """``count`` synthetic filings (round robin over ``originals``); their manifests."""
    made = []
    for k in range(count):
        original = originals[k % len(originals)]
        made.append(make_variant(store, original, k // len(originals) + 1))
    return made


def make_variant(store: Path, original: dict[str, Any], k: int) -> dict[str, Any]:
    """Variant ``k`` of one processed filing, written beside it; its manifest."""
    unit = f"{original['source_unit']}.v{k:03d}"
    folder = store / "processed" / GRAPH_ID / unit
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        return json.loads(manifest_path.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    tables = []
    for entry in original["tables"]:
        data = pq.read_table(store / entry["key"])
        data = _reidentify(data, entry["table"], original["source_unit"], unit, k)
        key = f"processed/{GRAPH_ID}/{unit}/{entry['table']}.parquet"
        pq.write_table(data, store / key)
        tables.append({**entry, "key": key, "uri": (store / key).resolve().as_uri(),
                       "rows": data.num_rows, "checksum": sha256_of(store / key)})  # fmt: skip
    manifest = {**original, "source_unit": unit, "tables": tables}
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest


def _reidentify(data: pa.Table, table: str, old_unit: str, unit: str, k: int) -> pa.Table:
    for column in _REPORT_COLUMNS.get(table, ()):
        values = pc.replace_substring(data.column(column), old_unit, unit)
        index = data.schema.get_field_index(column)
        data = data.set_column(index, data.schema.field(column), values)
    for column in _FACT_COLUMNS.get(table, ()):
        ids = [stable_id("variant", k, v) for v in data.column(column).to_pylist()]
        data = data.set_column(
            data.schema.get_field_index(column), data.schema.field(column),
            pa.array(ids, pa.string()),
        )  # fmt: skip
    return data


def register_entries(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The Graph API register entries of one manifest's files (the empty ones are left out,
    as the pipeline does)."""
    return [
        {"table": t["table"], "uri": t["uri"], "source_unit": manifest["source_unit"],
         "row_count": t["rows"], "checksum": t["checksum"]}
        for t in manifest["tables"] if t["rows"]
    ]  # fmt: skip


def originals(store: Path) -> list[dict[str, Any]]:
    """The manifests of the bundled real filings (processed on first use)."""
    return [m for m in process_bundled(store) if ".v" not in m["source_unit"]]


def manifests_for(store: Path, count: int) -> list[dict[str, Any]]:
    """``count`` synthetic filings (made from the bundled ones, processed on first use)."""
    return make_variants(store, originals(store), count)

"""The real XBRL task, then damage done to the output of named filings (a test's entry point).

``python tampering_task.py [--dangling UNIT:TABLE] [--missing UNIT:TABLE]`` runs
``python -m xbrl_task`` as the state machine would (the batch comes from the environment),
then, for each filing of the batch named:

- ``--dangling``: the relationship table's first row points at a ``to`` node no filing has;
  the file is still valid Parquet of the right schema with unique keys, so it registers
  and stages, and only materialize can refuse it. The manifest records the new checksum.
- ``--missing``: the table file is deleted; the manifest still lists it.
"""

from __future__ import annotations

import argparse
import io
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from ledgergraph.manifest import SourceUnitManifest, manifest_key, sha256_of_bytes
from ledgergraph.objectstore import ObjectStore, open_store
from xbrl_task.__main__ import main as xbrl_task

DANGLING_NODE = "no-filing-has-this-node"


def point_nowhere(store: ObjectStore, manifest: SourceUnitManifest, table: str) -> None:
    entry = next(t for t in manifest.tables if t.table == table)
    rows = pq.read_table(io.BytesIO(store.get_bytes(entry.key)))
    to = rows.column("to").to_pylist()
    to[0] = DANGLING_NODE
    index = rows.schema.get_field_index("to")
    rows = rows.set_column(index, rows.schema.field("to"), pa.array(to, pa.string()))
    sink = io.BytesIO()
    pq.write_table(rows, sink)
    store.put_bytes(entry.key, sink.getvalue())
    entry.checksum = sha256_of_bytes(sink.getvalue())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dangling", action="append", default=[])
    parser.add_argument("--missing", action="append", default=[])
    args = parser.parse_args(argv)
    code = xbrl_task([])
    store = open_store(os.environ["LEDGERGRAPH_STORE_URI"])
    graph_id = os.environ.get("LEDGERGRAPH_GRAPH_ID", "sec")
    for kind, named in (("dangling", args.dangling), ("missing", args.missing)):
        for unit, table in (n.split(":") for n in named):
            key = manifest_key(graph_id, unit)
            if not store.exists(key):
                continue  # a filing of another batch
            manifest = SourceUnitManifest.model_validate_json(store.get_bytes(key))
            if kind == "dangling":
                point_nowhere(store, manifest, table)
            else:
                store.delete(next(t.key for t in manifest.tables if t.table == table))
            store.put_bytes(key, manifest.model_dump_json().encode())
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

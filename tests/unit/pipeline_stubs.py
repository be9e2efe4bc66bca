"""Small stand-ins for the XBRL task and the graph node, for the local runtime's unit tests.

Run as a script it is either of them:

- ``python pipeline_stubs.py xbrl-task``: reads the batch named by LEDGERGRAPH_BATCH_KEY and,
  per filing, acts on the entry point's name: ``good-*`` writes table files and a manifest,
  ``bad-*`` writes error.json, ``silent-*`` writes nothing; a filing ``crash-*`` makes the
  whole task exit 3 before any output.
- ``python pipeline_stubs.py serve --host H --port 0 --port-file P --home D``: a graph node
  stub (below) on 127.0.0.1 that writes its port to P.

``StubGraphNode`` answers the Graph API from memory, with failures injected per source unit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ledgergraph.batches import Batch
from ledgergraph.manifest import (
    FactCounts,
    SourceUnitError,
    SourceUnitManifest,
    TableFile,
    error_key,
    manifest_key,
    table_key,
)
from ledgergraph.objectstore import open_store

STUB_TABLES = {"Entity": 1, "Report": 1, "Fact": 5, "REPORT_HAS_FACT": 5}
FACTS_IN_DOCUMENT = 7  # 5 extracted + 1 duplicate collapsed + 1 rejected


def _now() -> str:
    return datetime.now(UTC).isoformat()


def write_good_filing(store: Any, graph_id: str, unit: str, cik: int) -> None:
    tables = []
    for table, rows in STUB_TABLES.items():
        key = table_key(graph_id, unit, table)
        data = f"{unit}:{table}:{rows}".encode()
        uri = store.put_bytes(key, data)
        checksum = f"sha256:{hashlib.sha256(data).hexdigest()}"
        tables.append(TableFile(table=table, key=key, uri=uri, rows=rows, checksum=checksum))
    facts = FactCounts(
        in_document=FACTS_IN_DOCUMENT,
        extracted=5,
        duplicates_collapsed=1,
        rejected={"unresolved concept ecd:Foo": 1},
    )
    manifest = SourceUnitManifest(
        graph_id=graph_id,
        source_unit=unit,
        kind="sec-filing",
        tables=tables,
        facts=facts,
        cik=cik,
        processor="stub",
        duration_ms=12,
        created_at=_now(),
    )
    store.put_bytes(manifest_key(graph_id, unit), manifest.model_dump_json().encode())


def run_xbrl_task() -> int:
    store = open_store(os.environ["LEDGERGRAPH_STORE_URI"])
    graph_id = os.environ["LEDGERGRAPH_GRAPH_ID"]
    batch = Batch.model_validate_json(store.get_bytes(os.environ["LEDGERGRAPH_BATCH_KEY"]))
    assert batch.graph_id == graph_id and os.environ["LEDGERGRAPH_CORRELATION_ID"]
    if any(f.entry_point.startswith("crash-") for f in batch.filings):
        print("stub task: infrastructure failure", file=sys.stderr)
        return 3
    for filing in batch.filings:
        if filing.entry_point.startswith("good-"):
            write_good_filing(store, graph_id, filing.source_unit, filing.cik)
        elif filing.entry_point.startswith("bad-"):
            error = SourceUnitError(
                graph_id=graph_id,
                source_unit=filing.source_unit,
                error_type="FilingError",
                message=f"{filing.source_unit}: instance document is not well-formed",
                created_at=_now(),
            )
            store.put_bytes(
                error_key(graph_id, filing.source_unit), error.model_dump_json().encode()
            )
    return 0


class StubGraphNode:
    """The Graph API in memory; ``unavailable_once``/``reject`` inject failures by unit
    (a rejected materialize fails every call that offers a file of the unit)."""

    def __init__(self, *, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.files: dict[str, dict[str, Any]] = {}
        self.unavailable_once: set[tuple[str, str]] = set()  # (operation, source unit)
        self.reject: set[tuple[str, str]] = set()
        self.calls: list[tuple[str, str, str | None]] = []  # (operation, unit, correlation)
        self.requests: list[tuple[str, str | None, list[str]]] = []  # (operation, table, units)
        self.lock = threading.Lock()

    def handle(self, method: str, path: str, headers: Any, body: dict) -> tuple[int, dict]:
        if path == "/status":
            return 200, {"status": "ok", "role": "writer", "schema_version": "1", "graphs": []}
        if self.api_key and headers.get("X-Api-Key") != self.api_key:
            return 401, _error("Unauthorized", "missing or wrong X-Api-Key")
        parts = path.strip("/").split("/")
        with self.lock:
            if parts[-1] == "files":
                return self._register(parts[1], body, headers)
            if parts[-1] == "tables":
                return self._operate("stage", body, headers, None)
            if parts[-2:] == ["tables", "materialize"]:
                return self._materialize_tables(body, headers)
            if parts[-1] == "materialize":
                return self._operate("materialize", body, headers, parts[3])
            if parts[-2:] == ["tables", "query"]:
                return self._query(body, headers)
            if method == "DELETE" and parts[-2] == "sources":
                return self._delete(parts[-1], headers)
        return 404, _error("NotFound", path)

    def _delete(self, unit: str, headers: Any) -> tuple[int, dict]:
        """Marks the unit's files deleted; ``removed`` counts what its materialized files added."""
        self.calls.append(("delete", unit, headers.get("X-Correlation-Id")))
        self.requests.append(("delete", None, [unit]))
        removed: dict[str, int] = {}
        for entry in self.files.values():
            if entry["unit"] == unit and entry["status"] != "deleted":
                if entry["status"] == "materialized" and entry.get("added"):
                    removed[entry["table"]] = removed.get(entry["table"], 0) + entry["added"]
                entry["status"] = "deleted"
        return 200, {
            "source_unit": unit,
            "removed": removed,
            "rewritten": {},
            "unchanged": {},
            "kept": {},
            "untouched": {},
        }

    def _register(self, graph_id: str, body: dict, headers: Any) -> tuple[int, dict]:
        answers = []
        for f in body["files"]:
            unit = f["source_unit"]
            failure = self._failure("register", unit, headers)
            if failure:
                return failure
            seed = f"{graph_id}|{f['table']}|{unit}|{f['checksum']}"
            file_id = hashlib.sha256(seed.encode()).hexdigest()[:16]
            entry = self.files.setdefault(
                file_id, {"table": f["table"], "unit": unit, "rows": f["row_count"]}
            )
            entry.setdefault("status", "registered")
            answers.append({"file_id": file_id, "table": f["table"], "status": entry["status"]})
        return 200, {"files": answers}

    def _operate(self, op: str, body: dict, headers: Any, table: str | None) -> tuple[int, dict]:
        entries = [(i, self.files[i]) for i in body["file_ids"]]
        self.requests.append((op, table, [e["unit"] for _, e in entries]))
        for _, entry in entries:
            failure = self._failure(op, entry["unit"], headers)
            if failure:
                return failure
        if op == "stage":
            for _, entry in entries:
                entry["status"] = "staged" if entry["status"] == "registered" else entry["status"]
            files = [
                {
                    "file_id": i,
                    "table": e["table"],
                    "rows_in_file": e["rows"],
                    "rows_staged": e["rows"],
                    "status": e["status"],
                }
                for i, e in entries
            ]
            return 200, {"files": files}
        offered = sum(e["rows"] for _, e in entries)
        added = sum(e["rows"] for _, e in entries if e["status"] != "materialized")
        for _, entry in entries:
            if entry["status"] != "materialized":  # a file keeps its first call's counts
                entry |= {"status": "materialized", "added": entry["rows"], "present": 0}
        return 200, {
            "table": table,
            "rows_offered": offered,
            "rows_added": added,
            "rows_present": offered - added,
            "files": [{"file_id": i, "status": "materialized"} for i, _ in entries],
        }

    def _materialize_tables(self, body: dict, headers: Any) -> tuple[int, dict]:
        """Each table's call in turn, up to the first failure, answered as the node does."""
        results = []
        for call in body["tables"]:
            status, answer = self._operate("materialize", call, headers, call["table"])
            if status != 200:
                error = answer["error"]
                stopped = {"table": call["table"], "type": error["type"],
                           "message": error["message"], "transient": error.get("transient", False),
                           "status": status}  # fmt: skip
                return 200, {"results": results, "stopped": stopped}
            results.append(answer)
        return 200, {"results": results, "stopped": None}

    def _query(self, body: dict, headers: Any) -> tuple[int, dict]:
        """The one staging query the pipeline asks: the live files of some source units."""
        self.calls.append(("query", "", headers.get("X-Correlation-Id")))
        assert "FROM file_registry" in body["sql"], body["sql"]
        units = set(body["parameters"][0])
        columns = ["source_unit", "table_name", "file_id", "row_count", "status",
                   "rows_added", "rows_present"]  # fmt: skip
        rows = [
            [e["unit"], e["table"], i, e["rows"], e["status"], e.get("added"), e.get("present")]
            for i, e in self.files.items()
            if e["unit"] in units and e["status"] in ("staged", "materialized")
        ]
        return 200, {"columns": columns, "rows": rows, "truncated": False}

    def _failure(self, op: str, unit: str, headers: Any) -> tuple[int, dict] | None:
        self.calls.append((op, unit, headers.get("X-Correlation-Id")))
        if (op, unit) in self.unavailable_once:
            self.unavailable_once.discard((op, unit))
            return 503, _error("WriterBusy", "the writer lock is busy", transient=True)
        if (op, unit) in self.reject and op == "materialize":
            message = f"a file of {unit} names nodes not in the graph"
            return 422, _error("MissingEndpoints", message)
        if (op, unit) in self.reject:
            return 422, _error("StagingError", f"file of {unit} has a null key in column id")
        return None


def _error(kind: str, message: str, *, transient: bool = False) -> dict:
    return {"error": {"type": kind, "message": message, "transient": transient}}


def serve(node: StubGraphNode) -> ThreadingHTTPServer:
    """Serve ``node`` on 127.0.0.1 on a free port, in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(size) or b"{}")
            status, answer = node.handle(method, self.path, self.headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._answer("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._answer("POST")

        def do_DELETE(self) -> None:  # noqa: N802
            self._answer("DELETE")

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def _serve_main(argv: list[str]) -> int:
    options = dict(zip(argv[::2], argv[1::2], strict=False))
    server = serve(StubGraphNode(api_key=os.environ.get("LEDGERGRAPH_API_KEY")))
    assert options["--host"] == "127.0.0.1"
    Path(options["--port-file"]).write_text(str(server.server_address[1]))
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "xbrl-task":
        sys.exit(run_xbrl_task())
    sys.exit(_serve_main(sys.argv[2:]))

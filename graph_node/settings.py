"""Settings of the graph node, loaded once at its entry point from ``LEDGERGRAPH_*``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph_node.results import DEFAULT_MAX_RESULT_MB


def _default_home() -> Path:
    return Path(".ledgergraph").resolve()


def _writer_engine_threads() -> int:
    """Every core this process may run on but one, which materialize's staging side uses."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) - 1)


class NodeSettings(BaseSettings):
    """Where the graphs live, who may call the node and how hard it may work."""

    model_config = SettingsConfigDict(env_prefix="LEDGERGRAPH_", extra="ignore")

    home: Path = Field(
        default_factory=_default_home,
        description="Data directory; graph G lives in {home}/graphs/G/ as staging.duckdb "
        "(staging tables and the file registry) and graph.lbug (the LadybugDB graph).",
    )
    store_uri: str | None = Field(
        default=None,
        description="Base URI of the object store (file:///folder or s3://bucket/prefix); "
        "registered files must lie inside it. Defaults to file://{home}/store.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="When set, every endpoint but /status requires it as X-Api-Key.",
    )
    api_key_file: Path | None = Field(
        default=None,
        description="File holding the API key (takes precedence over api_key); read again "
        "whenever it changes, so the key rotates without a restart.",
    )
    read_only: bool = Field(
        default=False,
        description="Replica mode: open the stores read-only and refuse write endpoints (403).",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(
        default=8000, ge=0, le=65535, description="TCP port of the HTTP server; 0 picks one."
    )
    writer_lock_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="How long a write waits for the graph's writer lock before answering "
        "503 WriterBusy (the caller retries).",
    )
    query_timeout_s: float = Field(
        default=60.0, gt=0, description="Time limit of one read-only SQL or Cypher query."
    )
    max_result_rows: int = Field(
        default=10_000,
        gt=0,
        description="Most rows a query returns; more are cut off and flagged `truncated`.",
    )
    max_result_mb: int = Field(
        default=DEFAULT_MAX_RESULT_MB,
        gt=0,
        description="Largest answer of a read query (SQL or Cypher), in MiB of JSON; a "
        "query whose rows pass it fails with QueryFailed naming it (ask for fewer rows, "
        "fewer columns or shorter values), as the node holds an answer whole while it sends "
        "it.",
    )
    keep_snapshots: int = Field(
        default=3,
        ge=1,
        description="Published snapshots kept per graph (the newest; older ones are removed "
        "after each publish, the previous ones staying for replicas still downloading them).",
    )
    max_request_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        description="Largest request body accepted (413 RequestTooLarge past it); a batch "
        "registering a thousand files is well under 1 MiB.",
    )
    buffer_pool_mb: int | None = Field(
        default=1024,
        gt=0,
        description="LadybugDB buffer pool per graph in MiB (query working memory and page "
        "cache); a query needing more fails with QueryFailed. None: the engine default, "
        "most of the machine's memory.",
    )
    staging_memory_mb: int | None = Field(
        default=1024,
        gt=0,
        description="DuckDB memory limit of each staging file in MiB (it spills to disk "
        "past it); None: DuckDB's default, most of the machine's memory.",
    )
    max_db_size_mb: int = Field(
        default=64 * 1024,
        gt=0,
        description="Largest graph file in MiB. LadybugDB reserves this much address space "
        "per open graph (its default is 8 TiB, which would leave memory_limit_mb no room).",
    )
    writer_engine_threads: int = Field(
        default_factory=_writer_engine_threads,
        gt=0,
        description="LadybugDB worker threads of a graph this node writes (its COPYs and its "
        "Cypher queries; read-only graphs keep the engine's one per core). Default: one "
        "fewer than the cores, at least 1: a materialize COPY runs beside the staging "
        "threads that read the next tables and record intents, and on 2 cores the engine "
        "on one thread spends less CPU (docs/performance.md, Where materialization time "
        "goes).",
    )
    memory_limit_mb: int | None = Field(
        default=4096,
        gt=0,
        description="Address space the node may use beyond what its open graphs reserve, in "
        "MiB (RLIMIT_AS, set by `serve`). A query building huge values outside the buffer "
        "pool (UNWIND range(1, 1e9)) then fails cleanly instead of exhausting the machine. "
        "None: no limit.",
    )
    copy_isolation: Literal["in-process", "child-process"] = Field(
        default="in-process",
        description="Where materialize runs the engine's COPY: in the node (fast; rows are "
        "checked by copy_guard first), or in a child process over the closed graph file, "
        "so even a native engine crash leaves the node serving (about 0.3 s per call).",
    )
    publish_store_uri: str | None = Field(
        default=None,
        description="Object store of published snapshots (s3://bucket/prefix or file:///dir);"
        " defaults to store_uri. Keys: published/{graph_id}/{snapshot_id}/..., LATEST.",
    )
    events: Literal["jsonl", "eventbridge", "none"] = Field(
        default="jsonl",
        description="Where 'snapshot published' goes: {home}/events/events.jsonl, the "
        "EventBridge bus event_bus_name, or nowhere.",
    )
    event_bus_name: str = Field(
        default="default", description="EventBridge bus of the events (events=eventbridge)."
    )
    replica_graphs: list[str] = Field(
        default=["sec"],
        description="Graphs a replica downloads at boot (the LATEST snapshot of each).",
    )
    test_crash_at: str | None = Field(
        default=None,
        description="Tests only: TABLE whose COPY in an engine worker process dies of a "
        "real SIGSEGV, standing in for a native engine crash. Never set in production.",
    )
    test_pause_at: str | None = Field(
        default=None,
        description="Tests only: POINT:TABLE where a write pauses so a test can kill the "
        "node there (graph_node/faults.py). Never set in production.",
    )

    def max_result_bytes(self) -> int:
        """``max_result_mb`` in bytes."""
        return self.max_result_mb << 20

    def graphs_dir(self) -> Path:
        """``{home}/graphs``: one folder per graph id."""
        return self.home / "graphs"

    def resolved_store_uri(self) -> str:
        """The object store base URI, the local default applied."""
        return self.store_uri or (self.home / "store").resolve().as_uri()

    def resolved_publish_uri(self) -> str:
        """Where snapshots are published: publish_store_uri, else the object store."""
        return self.publish_store_uri or self.resolved_store_uri()

    def replica_dir(self) -> Path:
        """``{home}/replica``: downloaded snapshots, one folder per graph and snapshot."""
        return self.home / "replica"

    def key_file(self) -> Path:
        """``{home}/graph-node.key``: the API key `serve` generates when none is set."""
        return self.home / "graph-node.key"

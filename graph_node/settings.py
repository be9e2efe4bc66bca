"""Settings of the graph node, loaded once at its entry point from ``LEDGERGRAPH_*``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(".ledgergraph").resolve()


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
    buffer_pool_mb: int | None = Field(
        default=None,
        gt=0,
        description="LadybugDB buffer pool per graph in MiB; the engine default (most of "
        "the machine's memory) when unset.",
    )

    def graphs_dir(self) -> Path:
        """``{home}/graphs``: one folder per graph id."""
        return self.home / "graphs"

    def resolved_store_uri(self) -> str:
        """The object store base URI, the local default applied."""
        return self.store_uri or (self.home / "store").resolve().as_uri()

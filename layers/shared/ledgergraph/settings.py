"""Settings of the Lambda functions (and of the local runtime that plays them).

Loaded once per process at the entry point, from ``LEDGERGRAPH_*`` environment variables
that ``template.yaml`` declares; explicit arguments win over the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    """``./.ledgergraph``: the local data directory when LEDGERGRAPH_HOME is not set."""
    return Path(".ledgergraph").resolve()


class PipelineSettings(BaseSettings):
    """What a pipeline step needs to reach the object store and the graph node."""

    model_config = SettingsConfigDict(env_prefix="LEDGERGRAPH_", extra="ignore")

    home: Path = Field(
        default_factory=default_home,
        description="Local data directory: object store, graph and staging files.",
    )
    store_uri: str | None = Field(
        default=None,
        description="Base URI of the object store (s3://bucket or file:///folder); "
        "defaults to file://<home>/store.",
    )
    graph_api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the graph node's Graph API.",
    )
    graph_api_key: str | None = Field(
        default=None, description="API key sent to the graph node as X-Api-Key."
    )
    graph_api_timeout_s: float = Field(
        default=300.0, description="Timeout of one Graph API call, in seconds."
    )

    def resolved_store_uri(self) -> str:
        """The object store base URI, the local default applied."""
        return self.store_uri or (self.home / "store").resolve().as_uri()

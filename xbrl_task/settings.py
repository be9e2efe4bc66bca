"""Settings of the XBRL task, read once from ``LEDGERGRAPH_*`` at the entry point.

On AWS they come from the ECS task definition in ``template.yaml`` (the batch key and the
correlation id as container overrides); locally, from the environment of the subprocess.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ledgergraph.settings import default_home


def default_bundled_cache() -> Path:
    """``sample_data/taxonomies/cache`` of the source tree (the image sets its own path)."""
    return Path(__file__).resolve().parent.parent / "sample_data" / "taxonomies" / "cache"


class XbrlTaskSettings(BaseSettings):
    """What one XBRL task process needs: where the store is and which batch to work."""

    model_config = SettingsConfigDict(env_prefix="LEDGERGRAPH_", extra="ignore")

    home: Path = Field(
        default_factory=default_home,
        description="Local data directory; the default object store lives in <home>/store.",
    )
    store_uri: str | None = Field(
        default=None,
        description="Base URI of the object store (s3://bucket/prefix or file:///folder); "
        "defaults to file://<home>/store.",
    )
    batch_key: str | None = Field(
        default=None,
        description="Object store key of the Batch JSON to process; required in task mode.",
    )
    graph_id: str = Field(
        default="sec",
        description="Graph the outputs belong to when the batch does not say.",
    )
    correlation_id: str | None = Field(
        default=None,
        description="Execution id of the state machine run, added to every log line.",
    )
    taxonomy_cache: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra taxonomy cache folders (Arelle web-cache layout) or taxonomy "
        "package zips, searched before the bundled cache; os.pathsep-separated in the env.",
    )
    bundled_taxonomy_cache: Path = Field(
        default_factory=default_bundled_cache,
        description="The taxonomy cache shipped with the task, searched last.",
    )
    reuse_standard_taxonomies: bool = Field(
        default=True,
        description="Keep the standard taxonomy schemas a filing loaded (us-gaap, dei, srt, "
        "the XBRL base schemas: everything from taxonomy URLs) for the next filings of the "
        "worker instead of parsing them again; the outputs are the same either way.",
    )

    @field_validator("taxonomy_cache", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [Path(p) for p in value.split(os.pathsep) if p.strip()]
        return value

    def resolved_store_uri(self) -> str:
        """The object store base URI, the local default applied."""
        return self.store_uri or (self.home / "store").resolve().as_uri()

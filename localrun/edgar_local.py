"""EDGAR on this machine: settings for local commands, and discovery and download without AWS.

Settings come from ``LEDGERGRAPH_EDGAR_*`` variables, flags winning (``--user-agent``,
``--edgar-url``, ``--edgar-data-url``). A local run of the state machine gives its handlers
what template.yaml gives the Lambdas (short in-process throttle waits, the rate budget)
under the same precedence, so the run paces and retries as it would on AWS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ledgergraph.edgar import (
    DiscoveryRequest,
    DownloadOutcome,
    EdgarClient,
    EdgarSettings,
    discover_filings,
    download_filings,
    load_edgar_settings,
)
from ledgergraph.edgar.discovery import DiscoveryResult, find_filings
from ledgergraph.edgar.errors import EdgarConfigurationError
from ledgergraph.errors import PermanentError
from ledgergraph.messages import validation_problems
from ledgergraph.objectstore import LocalObjectStore
from localrun.template import FUNCTION_TYPE, load_template, resources_of_type

ENV_PREFIX = "LEDGERGRAPH_EDGAR_"
FLAG_FIELDS = {"user_agent": "user_agent", "edgar_url": "www_base", "edgar_data_url": "data_base"}


def flag_overrides(
    values: Mapping[str, Any], environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """Settings fields from the EDGAR flags that were given.

    A mirror given with ``--edgar-url`` alone serves data.sec.gov's paths too, unless
    ``LEDGERGRAPH_EDGAR_DATA_BASE`` says otherwise.
    """
    overrides = {field: values[flag] for flag, field in FLAG_FIELDS.items() if values.get(flag)}
    if "www_base" in overrides and "data_base" not in overrides:
        overrides["data_base"] = environ.get(ENV_PREFIX + "DATA_BASE") or overrides["www_base"]
    return overrides


def edgar_settings(overrides: Mapping[str, Any]) -> EdgarSettings:
    """Settings from the environment and ``overrides``; a clear error before any request."""
    try:
        return load_edgar_settings(**overrides)
    except EdgarConfigurationError as exc:
        raise EdgarConfigurationError(f"{exc} (or pass --user-agent)") from None


def template_edgar_values(template: dict[str, Any] | None = None) -> dict[str, str]:
    """The literal ``LEDGERGRAPH_EDGAR_*`` values template.yaml gives its functions.

    Values the stack resolves on deploy (the User-Agent secret) are left out.
    """
    template = template or load_template()
    scopes = [template.get("Globals", {}).get("Function", {})]
    scopes += [r.get("Properties", {}) for r in resources_of_type(template, FUNCTION_TYPE).values()]
    values: dict[str, str] = {}
    for scope in scopes:
        variables = scope.get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            if name.startswith(ENV_PREFIX) and isinstance(value, str | int | float):
                values[name] = str(value)
    return values


def lambda_environment(
    overrides: Mapping[str, Any], environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """``LEDGERGRAPH_EDGAR_*`` for local handlers: template, then environment, then flags.

    Raises:
        EdgarConfigurationError: the result is unusable (no User-Agent with an e-mail).
    """
    env = template_edgar_values()
    env |= {name: value for name, value in environ.items() if name.startswith(ENV_PREFIX)}
    env |= {ENV_PREFIX + field.upper(): str(value) for field, value in overrides.items()}
    edgar_settings({name[len(ENV_PREFIX) :].lower(): value for name, value in env.items()})
    return env


def discovery_request(values: Mapping[str, Any]) -> DiscoveryRequest:
    """A DiscoveryRequest from selector values; PermanentError naming what is wrong."""
    fields = {key: value for key, value in values.items() if value not in (None, [])}
    try:
        return DiscoveryRequest.model_validate(fields)
    except ValidationError as exc:
        raise PermanentError(f"cannot search EDGAR: {validation_problems(exc)}") from None


def discover_now(request: DiscoveryRequest, settings: EdgarSettings) -> DiscoveryResult:
    """The filings EDGAR lists for ``request``, oldest first, and the rows it rejected."""
    with EdgarClient(settings) as client:
        return find_filings(request, client=client)


def download_now(
    request: DiscoveryRequest,
    settings: EdgarSettings,
    *,
    home: Path,
    workers: int = 8,
    force: bool = False,
) -> list[DownloadOutcome]:
    """Discover, then download every filing into ``home``'s raw store; one outcome each."""
    store = LocalObjectStore(home / "store")
    with EdgarClient(settings) as client:
        filings = discover_filings(request, client=client)
        return download_filings(filings, client=client, store=store, workers=workers, force=force)

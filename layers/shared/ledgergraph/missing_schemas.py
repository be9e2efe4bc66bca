"""Facts a filing lost to a schema the taxonomy cache lacked: the rejected reason that
names such a schema, and the warning to act on that the run summary makes of it."""

from __future__ import annotations

import re

from ledgergraph.manifest import SCHEMA_NOT_CACHED
from ledgergraph.messages import pluralize

# the start of the warning counting a filing's facts lost to a schema the cache lacks
FACTS_NOT_LOADED = "facts not loaded"
_NOT_CACHED = re.compile(rf"^concept not defined: namespace (\S+) \({SCHEMA_NOT_CACHED}: (\S+)\)$")


def is_missing_schema(reason: str) -> bool:
    """Whether a rejected reason is a schema the taxonomy cache lacked: the reasons
    ``missing_schema_warnings`` makes a warning of, one each."""
    return _NOT_CACHED.match(reason) is not None


def missing_schema_warnings(reasons: dict[str, int]) -> list[str]:
    """A warning to act on per schema the taxonomy cache lacked that cost a processed
    filing facts: the filing loads without them, and only a cache holding the schema, then
    the filing removed and loaded again, brings them in (the graph keeps a source unit's
    data as first loaded)."""
    warnings: list[str] = []
    for reason, count in sorted(reasons.items()):
        match = _NOT_CACHED.match(reason)
        if match is None:
            continue
        namespace, url = match.groups()
        warnings.append(
            f"{FACTS_NOT_LOADED}: {pluralize(count, 'fact')} of namespace {namespace} "
            f"rejected, their schema not available offline, {url}; add the schema to a "
            "taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE), remove the filing (delete-source) "
            "and load it again"
        )
    return warnings

"""Why a concept's facts may be absent from the graph: the facts its filings rejected.

A filing's manifest counts the facts the extraction rejected per reason. A fact of an
element no loaded schema defines (a taxonomy the cache lacks, such as us-gaap 2009) is
counted per namespace, with the schema that was missing, never per concept: the facts of
a concept read from such a namespace are among that count without being named. A fact of
a namespace that is loaded but lacks the element is counted per concept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

from ledgergraph.manifest import read_fact_rejections

SHOWN_FILINGS = 5

REPORTS_WITH_REJECTIONS = """
MATCH (e:Entity)-[h:ENTITY_HAS_REPORT]->(r:Report)
WHERE h.role = 'registrant' AND ($cik = -1 OR e.cik = $cik) AND r.facts_rejected > 0
RETURN r.id, r.entry_point, r.facts_rejected
ORDER BY r.id
"""

# extract.undefined_concept_reason's wording of a namespace without a loaded schema
_NAMESPACE_REASON = re.compile(r"^concept not defined: namespace (\S+) \((.+)\)$")
_LOCATION = re.compile(r": (\S+)$")


class Reader(Protocol):
    def query_cypher(
        self, graph_id: str, cypher: str, parameters: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...


def rejection_hints(
    reader: Reader, graph_id: str, *, concept: str, cik: int | None, store_root: Path | None
) -> list[str]:
    """Lines saying which rejected facts of the filings (of ``cik``) ``concept``'s facts
    may be among: those of its own name, those of a namespace of its prefix, or, for a
    name without a prefix and a ``cik``, every fact of a missing schema; none when no
    such filing rejected such a fact.

    ``store_root`` is the home's object store holding the manifests; None (a graph node
    elsewhere) or a manifest not there gives the filing's count of rejections alone, for
    the filings of a ``cik`` only.
    """
    if cik is None and ":" not in concept:
        return []  # a bare name could be in any filing's any missing schema: nothing to say
    params = {"cik": -1 if cik is None else cik}
    rows = reader.query_cypher(graph_id, REPORTS_WITH_REJECTIONS, params)["rows"]
    lines = []
    for report, entry_point, rejected in rows[:SHOWN_FILINGS]:
        filing = f"{entry_point} ({report})"
        reasons = read_fact_rejections(store_root, graph_id, report) if store_root else None
        if reasons is not None:
            lines += _filing_hints(concept, filing, reasons)
        elif cik is not None:  # the filer's own filings: their counts are worth saying
            lines.append(
                f"{filing} rejected {rejected} facts (why: in its manifest, not in this "
                f"home's store); {concept} may be among them"
            )
    if len(rows) > SHOWN_FILINGS:
        lines.append(f"... and {len(rows) - SHOWN_FILINGS} more filings that rejected facts")
    return lines


def _filing_hints(concept: str, filing: str, reasons: dict[str, int]) -> list[str]:
    prefix, _, name = concept.split("@", 1)[0].rpartition(":")
    named = [(why, n) for why, n in reasons.items() if _names_concept(why, prefix, name)]
    if named:
        return [f"{n} facts of {concept} in {filing} were rejected: {why}" for why, n in named]
    schemas = {
        match.group(1): (match.group(2), count)
        for reason, count in reasons.items()
        if (match := _NAMESPACE_REASON.match(reason))
    }
    own = [ns for ns in schemas if prefix and prefix in ns.split("/")]
    if own:
        return [
            f"{schemas[ns][1]} facts of namespace {ns} in {filing} were rejected: "
            f"{schemas[ns][0]}; {concept} may be among them (rejected facts are counted "
            "per namespace, not per concept)"
            for ns in own
        ]
    if prefix or not schemas:
        # NOTE: a prefix is matched to a namespace by a path segment (us-gaap in
        # http://xbrl.us/us-gaap/2009-01-31), the way SEC taxonomies name theirs; another
        # namespace's rejections are not this concept's
        return []
    missing = sum(count for _, count in schemas.values())
    locations = sorted({_location(why) for why, _ in schemas.values()})
    return [
        f"{filing} rejected {missing} facts for missing schemas ({', '.join(locations)}); "
        f"{concept} may be among them"
    ]


def _names_concept(reason: str, prefix: str, name: str) -> bool:
    """Whether ``reason`` is an undefined concept's (``concept not defined: p:Name (...``)
    of that name, and of that prefix when one is given."""
    head = "concept not defined: "
    if not reason.startswith(head) or reason.startswith(f"{head}namespace "):
        return False
    filed_prefix, _, filed_name = reason[len(head) :].split(" (", 1)[0].rpartition(":")
    return filed_name == name and (not prefix or filed_prefix == prefix)


def _location(why: str) -> str:
    """The schema's URL or path of ``schema not in taxonomy cache: URL`` and the like."""
    found = _LOCATION.search(why)
    return found.group(1) if found else why

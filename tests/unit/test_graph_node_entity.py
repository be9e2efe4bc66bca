"""The Entity node in the graph: the latest filing loaded's statements, upserted.

Apple's FY2023 10-K is processed by ``python -m xbrl_task`` as bundled (no EDGAR
registration data, so no SIC), and twice more with the registration data EDGAR's recorded
submissions JSON of August 2023 gives (what the download step writes into ``filing.json``):
once as the same filing (its accession number), once as a package that does not say its
accession number (as the bundled AEON package), which is a source unit of its own
(``sha256-...``) and so a second filing of the same filer to the graph.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_cases import graph_rows

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.edgar.submissions import registration_of
from ledgergraph.graph_schema import LOAD_ORDER

ROOT = Path(__file__).resolve().parents[2]
APPLE_PACKAGE = ROOT / "sample_data" / "sec" / "aapl-10k-2023-09-30"
SUBMISSIONS = ROOT / "sample_data" / "edgar" / "submissions" / "2023-08" / "CIK0000320193.json"
APPLE_10K = "0000320193-23-000106"
# the processed/ prefix of each run
BUNDLED, WITH_EDGAR, UNNAMED = "sec", "sec-edgar", "sec-unnamed"
ENTITY = """
MATCH (e:Entity {id: '0000320193'})
RETURN e.name, e.sic, e.state_of_incorporation, e.fiscal_year_end, e.filer_category, e.ein,
       e.trading_symbols, e.exchanges, e.stated_in, e.stated_as_of
"""


def _process(store: Path, package: Path, prefix: str) -> None:
    argv = [sys.executable, "-m", "xbrl_task", "--out", str(store), "--package", str(package),
            "--graph", prefix]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-1500:]


def _with_registration(package: Path, *, accession: bool) -> Path:
    """A copy of Apple's package with EDGAR's registration data in its filing.json."""
    shutil.copytree(APPLE_PACKAGE, package)
    sidecar = json.loads((package / "filing.json").read_text())
    document = json.loads(SUBMISSIONS.read_text())
    registration = registration_of(document, retrieved_at=datetime(2023, 8, 15, tzinfo=UTC))
    sidecar["registration"] = registration.model_dump(mode="json")
    if not accession:
        del sidecar["accession_number"]
    (package / "filing.json").write_text(json.dumps(sidecar))
    return package


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three runs of Apple's 10-K in one object store, under processed/<prefix>/."""
    root = tmp_path_factory.mktemp("entity")
    out = root / "store"
    _process(out, APPLE_PACKAGE, BUNDLED)
    _process(out, _with_registration(root / "named", accession=True), WITH_EDGAR)
    _process(out, _with_registration(root / "unnamed", accession=False), UNNAMED)
    return out


@pytest.fixture
def node(store: Path, tmp_path: Path) -> Iterator[GraphService]:
    service = GraphService(NodeSettings(home=tmp_path, store_uri=store.as_uri(), events="none"))
    yield service
    service.close()


def _load(node: GraphService, store: Path, prefix: str) -> dict[str, dict[str, Any]]:
    """Register, stage and materialize one run's files in load order; answers by table."""
    (unit,) = (p.name for p in (store / "processed" / prefix).iterdir())
    manifest = json.loads((store / "processed" / prefix / unit / "manifest.json").read_text())
    specs = [
        {"table": t["table"], "uri": t["uri"], "source_unit": unit, "row_count": t["rows"],
         "checksum": t["checksum"]}
        for t in manifest["tables"]
    ]  # fmt: skip
    files = node.register_files("sec", specs)["files"]
    node.stage_files("sec", [f["file_id"] for f in files])
    ids = {f["table"]: f["file_id"] for f in files}
    return {t: node.materialize("sec", t, [ids[t]]) for t in LOAD_ORDER if t in ids}


def _apple(node: GraphService) -> dict[str, Any]:
    result = node.query_cypher("sec", ENTITY, {})
    (row,) = result["rows"]
    return dict(zip(result["columns"], row, strict=True))


def test_the_entity_holds_what_apples_10k_states(node: GraphService, store: Path) -> None:
    _load(node, store, BUNDLED)

    apple = _apple(node)
    # dei facts of aapl-20230930_htm.xml; the bundled package has no EDGAR data: no SIC
    assert (apple["e.name"], apple["e.sic"]) == ("Apple Inc.", None)
    assert (apple["e.state_of_incorporation"], apple["e.fiscal_year_end"]) == ("CA", "--09-30")
    assert (apple["e.filer_category"], apple["e.ein"]) == ("Large Accelerated Filer", "94-2404110")
    assert (apple["e.trading_symbols"], apple["e.exchanges"]) == ("AAPL", "NASDAQ")
    assert (apple["e.stated_in"], apple["e.stated_as_of"]) == (APPLE_10K, "2023-09-30")


def test_a_later_filing_of_the_filer_updates_the_entity(node: GraphService, store: Path) -> None:
    _load(node, store, BUNDLED)

    answers = _load(node, store, UNNAMED)

    entity = answers["Entity"]
    assert (entity["rows_added"], entity["rows_updated"], entity["rows_present"]) == (0, 1, 1)
    apple = _apple(node)
    assert (apple["e.sic"], apple["e.ein"]) == ("3571", "94-2404110")
    assert apple["e.stated_in"].startswith("sha256-")
    # each filing keeps what it stated on its own ENTITY_HAS_REPORT
    filed = node.query_cypher(
        "sec", "MATCH (:Entity)-[h:ENTITY_HAS_REPORT]->(r:Report) RETURN r.id, h.sic ORDER BY 1"
    )
    assert filed["rows"] == [[APPLE_10K, None], [apple["e.stated_in"], "3571"]]


def test_deleting_the_latest_filing_brings_back_the_one_before(
    node: GraphService, store: Path
) -> None:
    _load(node, store, BUNDLED)
    unnamed = _load(node, store, UNNAMED)["Report"]["files"][0]["file_id"]
    unit = node.query_staging(
        "sec", f"SELECT source_unit FROM file_registry WHERE file_id = '{unnamed}'"
    )["rows"][0][0]

    node.delete_source("sec", unit)

    apple = _apple(node)
    assert (apple["e.sic"], apple["e.stated_in"]) == (None, APPLE_10K)


def test_a_rebuild_keeps_the_latest_entity(node: GraphService, store: Path) -> None:
    _load(node, store, BUNDLED)
    _load(node, store, UNNAMED)
    incremental = graph_rows(node)

    node.rebuild("sec")

    assert graph_rows(node) == incremental
    assert _apple(node)["e.sic"] == "3571"


def test_a_replaced_filing_states_the_entity_anew(node: GraphService, store: Path) -> None:
    _load(node, store, BUNDLED)

    node.delete_source("sec", APPLE_10K)
    _load(node, store, WITH_EDGAR)

    apple = _apple(node)
    assert (apple["e.sic"], apple["e.stated_in"]) == ("3571", APPLE_10K)
    assert apple["e.stated_as_of"] == str(date(2023, 9, 30))


def test_loading_the_same_files_again_updates_nothing(node: GraphService, store: Path) -> None:
    _load(node, store, BUNDLED)

    again = _load(node, store, BUNDLED)["Entity"]

    assert (again["rows_added"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 1)
    assert _apple(node)["e.ein"] == "94-2404110"

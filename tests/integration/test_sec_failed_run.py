"""A local `sec run` in which every filing fails: how it reads, what it stores, what it publishes.

AEON Biopharma's bundled 10-Q, copied without its label linkbase, fails in the XBRL task
(the package names a file it lacks) after its facts were counted in the document. Its row
rejects every fact for the failure as a filing failed at loading does; the summary the
store keeps is the one the command printed; and the publish the run's success sets off
(the SecRunSucceeded rule, delivered as EventBridge would) makes no snapshot and announces
nothing, since the run loaded no filing.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT_TESTS) not in sys.path:  # NOTE: the stub graph node lives with the unit tests
    sys.path.insert(0, str(UNIT_TESTS))

from pipeline_stubs import serve  # noqa: E402
from test_handlers_publish import KEY, PublishingNode  # noqa: E402

from ledgergraph.events import EVENTS_FILE  # noqa: E402
from ledgergraph.objectstore import LocalObjectStore  # noqa: E402
from ledgergraph.run_summary import summary_key  # noqa: E402
from ledgergraph.settings import PipelineSettings  # noqa: E402
from localrun import render  # noqa: E402
from localrun.cli import main as cli  # noqa: E402
from localrun.event_runs import STATUS_CHANGE  # noqa: E402
from localrun.events import matching_rules, rule_input, state_machine_arn  # noqa: E402
from localrun.pipeline import run_state_machine  # noqa: E402
from localrun.template import load_template  # noqa: E402

AEON = Path(__file__).resolve().parents[2] / "sample_data" / "sec" / "aeon-10q-2023-09-30"
AEON_FACTS = 1132  # fact elements in AEON's inline document, counted before Arelle reads it
FAILURE = "filing failed (FilingNotLoadable)"


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``sec run --source --json`` over AEON's package without ``aeon-20230930_lab.xml``:
    the exit code, the summary printed, the home and the source folder."""
    root = tmp_path_factory.mktemp("failed")
    package = root / "source" / AEON.name
    shutil.copytree(AEON, package)
    (package / "aeon-20230930_lab.xml").unlink()
    home = root / "home"
    out = io.StringIO()  # a module fixture cannot take capsys
    with mock.patch.object(sys, "stdout", out):
        code = cli(["sec", "run", "--source", str(package.parent), "--home", str(home), "--json"])
    return {"code": code, "summary": json.loads(out.getvalue()), "home": home, "package": package}


def test_a_filing_failed_in_processing_rejects_its_facts_for_the_failure(failed_run) -> None:
    [line] = failed_run["summary"]["filings"]

    assert failed_run["code"] == 1
    assert (line["status"], line["error_type"]) == ("failed", "FilingNotLoadable")
    assert (line["facts_in_document"], line["facts_rejected"]) == (AEON_FACTS, AEON_FACTS)
    # as a filing failed at loading names it: in document = offered + rejected + dupes
    assert line["rejected_reasons"] == {FAILURE: AEON_FACTS}
    assert line["facts_loaded"] == line["duplicates_collapsed"] == 0


def test_the_text_names_the_failure_and_the_publish_it_skips(failed_run) -> None:
    lines = render.sec_summary(failed_run["summary"]).splitlines()

    assert any(
        ln.endswith("package file aeon-20230930_lab.xml is missing; all 1132 facts rejected "
                    "for it") for ln in lines
    )  # fmt: skip
    assert (
        "publish: skipped, nothing loaded (a local run publishes nothing; after a run that "
        f"loads, ledgergraph publish --home {failed_run['home']} publishes a snapshot)"
    ) in lines
    assert lines[-1].startswith("0 filings loaded, 1 failed in ")


def test_the_stored_summary_is_the_one_the_command_printed(failed_run) -> None:
    summary = failed_run["summary"]
    store = LocalObjectStore(failed_run["home"] / "store")

    stored = json.loads(store.get_bytes(summary_key("sec", summary["run_id"])))

    assert stored == summary
    assert (stored["publish"], stored["publish_note"]) == (False, "skipped, nothing loaded")
    assert stored["filings"][0]["folder"] == str(failed_run["package"])


def test_the_publish_its_success_sets_off_makes_no_snapshot(failed_run) -> None:
    run_id = failed_run["summary"]["run_id"]
    succeeded = {
        "source": "aws.states",
        "detail-type": STATUS_CHANGE,
        "detail": {
            "executionArn": f"{state_machine_arn('SecPipelineStateMachine')}:{run_id}",
            "stateMachineArn": state_machine_arn("SecPipelineStateMachine"),
            "name": run_id,  # the run id is the execution's name, as on AWS
            "status": "SUCCEEDED",
        },
    }
    [rule] = matching_rules(load_template(), succeeded)
    node = PublishingNode()
    server = serve(node)
    home = failed_run["home"]
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings = PipelineSettings(home=home, graph_api_url=url, graph_api_key=KEY)
    try:
        result = run_state_machine(
            "publish_snapshot.asl.json", rule_input(rule, succeeded), settings=settings
        )
    finally:
        server.shutdown()
        server.server_close()

    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {
        "graph_id": "sec",
        "run_id": run_id,
        "published": False,
        "reason": "skipped, nothing loaded",
    }
    assert node.calls == []  # the graph node was not asked to publish
    assert not (home / EVENTS_FILE).exists()  # and no SnapshotPublished

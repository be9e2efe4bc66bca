"""A filing whose EDGAR folder lacks a file its documents need: the failure names the way out.

The fake EDGAR on 127.0.0.1 serves Tesla's real Q2 2024 10-Q with ``tsla-20240630_lab.xml``
left out of its folder (``index.json`` does not list it). The download stores the package as
complete, and processing fails naming the missing file. EDGAR then serves the whole folder;
a rerun alone still fails (the package counts as complete), so the failure must name the
command that fetches it again, and running that command and then the run must load it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT_TESTS) not in sys.path:  # NOTE: the shared EDGAR scenario lives with the unit tests
    sys.path.insert(0, str(UNIT_TESTS))

from test_edgar_steps_cases import TESLA, TESLA_10Q, USER_AGENT  # noqa: E402

from localrun.cli import main as cli  # noqa: E402
from tests.fakes.edgar_server import FakeEdgar, bundled_packages  # noqa: E402

pytestmark = pytest.mark.slow

LABELS = "tsla-20240630_lab.xml"
TESLA_FACTS_ADDED = 1045  # the demo's "added" for Tesla's 10-Q, alone in a graph
SELECTION = ("--cik", str(TESLA), "--forms", "10-Q", "--from", "2024-07-01", "--to", "2024-07-31")


@pytest.fixture
def fake() -> Iterator[FakeEdgar]:
    quick = {"LEDGERGRAPH_EDGAR_THROTTLE_PAUSE_S": "0.05"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_EDGAR_")}
    with FakeEdgar() as server, mock.patch.dict(os.environ, quick | clean, clear=True):
        yield server


def _run(capsys: pytest.CaptureFixture[str], home: Path, fake: FakeEdgar) -> tuple[int, dict]:
    edgar = ("--edgar-url", fake.base_url, "--user-agent", USER_AGENT)
    code = cli(["sec", "run", "--home", str(home), *SELECTION, *edgar, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_package_edgar_listed_without_a_file_fails_naming_the_forced_download(
    fake: FakeEdgar, tmp_path: Path, capsys
) -> None:
    tesla = next(p for p in bundled_packages() if p.accession == TESLA_10Q)
    files = {name: path for name, path in tesla.files.items() if name != LABELS}
    fake.add_package(dataclasses.replace(tesla, files=files))

    code, first = _run(capsys, tmp_path, fake)
    [line] = first["filings"]
    assert code == 1 and line["error_type"] == "FilingNotLoadable"
    assert f"package file {LABELS} is missing" in line["error"]

    fake.add_package(tesla)  # EDGAR fixed: a rerun alone still finds the package complete
    code, again = _run(capsys, tmp_path, fake)
    [line] = again["filings"]
    assert code == 1 and f"package file {LABELS} is missing" in line["error"]
    assert not (tmp_path / "store" / "raw" / "sec" / str(TESLA) / TESLA_10Q / LABELS).exists()

    named = re.search(r"run `(ledgergraph sec download --force [^`]+)`", line["error"])
    assert named, line["error"]
    assert named[1] == (
        f"ledgergraph sec download --force --cik {TESLA} --forms 10-Q --from 2024-07-24 "
        "--to 2024-07-24"
    )
    argv = shlex.split(named[1])[1:] + ["--home", str(tmp_path)]
    argv += ["--edgar-url", fake.base_url, "--user-agent", USER_AGENT, "--json"]
    assert cli(argv) == 0
    [outcome] = json.loads(capsys.readouterr().out)
    assert (outcome["accession"], outcome["status"]) == (TESLA_10Q, "ok")

    code, fixed = _run(capsys, tmp_path, fake)
    [line] = fixed["filings"]
    assert code == 0 and line["status"] == "loaded"
    assert line["facts_added"] == TESLA_FACTS_ADDED

"""``ledgergraph delete-source`` when the unit is not in the graph asked, or the node is gone.

A home holding the bundled sandbox company's sync run (graph ``qbo-sample``) and Boeing's
10-K for 2023 (graph ``sec``): the run deleted without ``--graph`` is looked for in ``sec``.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from test_graph_node_cases import BOEING_10K, boeing_facts, load_case_filing
from test_quickbooks_versions import Books, sample_copy

from localrun.cli import main as cli

SAMPLE_RUN = "qbo-sample-20261205T120000000000Z"


@pytest.fixture(name="home")
def home_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The node's home (its store beside it, as Books keeps it) with both graphs."""
    books = Books(tmp_path)
    books.transform(sample_copy(tmp_path, "original"), SAMPLE_RUN)
    books.load(SAMPLE_RUN)
    load_case_filing(books.service, tmp_path / "store", BOEING_10K, boeing_facts())
    books.service.close()
    monkeypatch.setenv("LEDGERGRAPH_STORE_URI", books.store.root.as_uri())
    return tmp_path / "node"


def error_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli(list(argv)) == 1
    return capsys.readouterr().err.strip()


def test_a_sync_run_asked_of_the_default_graph_is_named_with_the_graph_that_holds_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = error_line(capsys, "delete-source", SAMPLE_RUN, "--home", str(home))

    assert message == (
        f"error: no file of source unit '{SAMPLE_RUN}' in graph 'sec'; this home processed it "
        "(a QuickBooks sync run) for graph 'qbo-sample': ledgergraph delete-source "
        f"{SAMPLE_RUN} --home {home} --graph qbo-sample"
    )


def test_an_id_shaped_like_a_sync_run_points_at_its_realms_graph(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = "qbo-9341457021722202-20261205T120000000000Z"  # never synced into this home

    message = error_line(capsys, "delete-source", run, "--home", str(home))

    assert message == (
        f"error: no file of source unit '{run}' in graph 'sec'; it looks like a QuickBooks "
        "sync run, which loads into its realm's graph unless told otherwise: ledgergraph "
        f"delete-source {run} --home {home} --graph qbo-9341457021722202"
    )


def test_an_unknown_filing_is_named_with_the_graph_asked(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = error_line(capsys, "delete-source", "0000012927-24-000099", "--home", str(home))

    assert message == "error: no file of source unit '0000012927-24-000099' in graph 'sec'"


def test_a_delete_the_node_never_answered_says_the_same_command_finishes_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port of 127.0.0.1 nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"

    message = error_line(
        capsys, "delete-source", BOEING_10K, "--home", str(home), "--endpoint", endpoint
    )

    assert message == (
        f"error: graph node unreachable on DELETE /databases/sec/sources/{BOEING_10K}; the "
        f"delete of '{BOEING_10K}' from graph 'sec' may be left unfinished (the node can have "
        "stopped midway, or still be at it); run the same command again once the node "
        "answers: it finishes the delete, and does nothing more if it was done"
    )
    deleted = cli(["delete-source", BOEING_10K, "--home", str(home)])  # the same, in-process
    assert deleted == 0

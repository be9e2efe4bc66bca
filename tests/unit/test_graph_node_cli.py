"""``ledgergraph rebuild | publish | delete-source`` over a graph's files, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_graph_node_cases import BOEING_10K, boeing_facts, load_case_filing

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from localrun.cli import main as cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert cli([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_rebuild_publish_and_delete_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_EVENTS", "jsonl")
    node = GraphService(NodeSettings(home=tmp_path))
    load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
    node.close()
    capsys.readouterr()  # the setup's own log lines, wherever earlier tests pointed them
    home = ("--home", str(tmp_path))

    rebuilt = run(capsys, "rebuild", *home)
    published = run(capsys, "publish", *home)
    deleted = run(capsys, "delete-source", BOEING_10K, *home)
    stats = run(capsys, "stats", *home)

    assert rebuilt["tables"]["Fact"] == 3
    assert published["manifest_key"].startswith("published/sec/")
    assert (tmp_path / "store" / published["manifest_key"]).is_file()
    assert deleted["removed"]["Fact"] == 3
    assert stats["nodes"]["Fact"] == 0 and stats["files"]["deleted"] == 6

"""``ledgergraph rebuild | publish | delete-source`` over a graph's files, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from test_graph_node_cases import BOEING_10K, boeing_facts, load_case_filing

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import SCHEMA_VERSION
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


def test_query_text_output_says_when_rows_were_cut_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    node = GraphService(NodeSettings(home=tmp_path))
    load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
    node.close()
    capsys.readouterr()
    monkeypatch.setenv("LEDGERGRAPH_MAX_RESULT_ROWS", "2")
    query = ("query", "MATCH (f:Fact) RETURN f.id", "--home", str(tmp_path))
    cut = (
        "showing the first 2 rows; the query returned more (page with SKIP and LIMIT, "
        "or raise the node's LEDGERGRAPH_MAX_RESULT_ROWS)"
    )

    assert cli(list(query)) == 0
    text = capsys.readouterr()
    answer = run(capsys, *query)
    monkeypatch.setenv("LEDGERGRAPH_MAX_RESULT_ROWS", "3")
    assert cli(list(query)) == 0
    whole = capsys.readouterr()

    assert text.out.rstrip().endswith("(2 rows)") and cut in text.err
    assert answer["truncated"] is True and len(answer["rows"]) == 2
    assert whole.out.rstrip().endswith("(3 rows)") and "showing the first" not in whole.err


def test_a_graph_of_an_older_schema_version_is_refused_saying_how_to_build_it_anew(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = GraphService(NodeSettings(home=tmp_path))
    load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
    node.close()
    folder = tmp_path / "graphs" / "sec"
    older = str(int(SCHEMA_VERSION) - 1)  # what the previous version stamped its files with
    with duckdb.connect(str(folder / "staging.duckdb")) as con:
        con.execute("UPDATE node_meta SET value = ? WHERE key = 'schema_version'", [older])
    capsys.readouterr()
    count = ("query", "MATCH (f:Fact) RETURN count(*)", "--home", str(tmp_path))

    assert cli(list(count)) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"has graph schema version '{older}', this node writes version '{SCHEMA_VERSION}'" in (
        said
    )
    assert f"move {folder} aside and run the pipelines again over the graph's sources" in said

    folder.rename(tmp_path / "older-graph")  # then load the sources again, as it says
    node = GraphService(NodeSettings(home=tmp_path))
    load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
    node.close()
    assert run(capsys, *count)["rows"] == [[3]]

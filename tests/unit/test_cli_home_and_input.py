"""The CLI and its home: one command per home, no home made by a reader, bad input in one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localrun.cli import main as cli
from localrun.cli_common import EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK, run_exit_code
from localrun.home_lock import HomeInUse, home_lock

REPO = Path(__file__).resolve().parents[2]


def test_a_second_command_on_a_held_home_fails_naming_the_holder(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    with home_lock(home, "ledgergraph sec run"):
        pid = json.loads((home / ".lock").read_text())["pid"]
        code = cli(["stats", "--home", str(home), "--json"])
        out = json.loads(capsys.readouterr().out)

    assert code == EXIT_INTERRUPTED  # the run ends by itself: a scheduler retries, no page
    assert out["error"]["type"] == "HomeInUse"
    message = out["error"]["message"]
    assert message.startswith(f"home {home} is in use by `ledgergraph sec run` (pid {pid}, ")
    # a run's node has a port and key no other command can know: no --endpoint to suggest
    assert "its graphs can be read only once it ends" in message
    assert "so no --endpoint reaches it" in message
    assert message.endswith(
        f"Wait for pid {pid} to end (a run logs its steps to {home / 'logs'}), then run this "
        "again, or use another --home (transient: run the same command again later; exit 75)"
    )
    assert not (home / "graphs").exists()  # refused before touching anything


@pytest.mark.parametrize(
    ("serve_args", "endpoint"),
    [
        (["--port", "8123"], "http://127.0.0.1:8123;"),
        (["--host", "0.0.0.0", "--port", "8123"], "http://127.0.0.1:8123;"),
        (["--port", "0"], "http://HOST:PORT (it picked its port at start: its log line"),
    ],
)
def test_a_home_held_by_serve_names_its_endpoint_and_key_file(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, serve_args: list, endpoint: str
) -> None:
    from localrun import cli_graph

    home = tmp_path / "home"
    home.mkdir()
    held = {}

    def serving(args) -> int:  # stands in for the node: the lock is what is tested
        held["code"] = cli(["stats", "--home", str(home), "--json"])
        held["out"] = json.loads(capsys.readouterr().out)
        return 0

    monkeypatch.setattr(cli_graph, "cmd_serve", serving)
    assert cli(["serve", "--home", str(home), *serve_args]) == 0

    assert held["code"] == 1
    message = held["out"]["error"]["message"]
    assert message.startswith(f"home {home} is in use by `ledgergraph serve` (pid ")
    assert f"reach its graphs through that node: --endpoint {endpoint}" in message
    assert f"the key is read from {home}/graph-node.key with this --home" in message


@pytest.mark.parametrize(
    "command", [["sec", "run"], ["quickbooks", "load-sample"], ["sec", "download"]]
)
def test_a_home_held_by_serve_offers_no_endpoint_to_a_command_without_one(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, command: list
) -> None:
    from localrun import cli_graph

    home = tmp_path / "home"
    home.mkdir()
    held = {}

    def serving(args) -> int:
        held["code"] = cli([*command, "--home", str(home), "--json"])
        held["out"] = json.loads(capsys.readouterr().out)
        return 0

    monkeypatch.setattr(cli_graph, "cmd_serve", serving)
    assert cli(["serve", "--home", str(home), "--port", "8123"]) == 0

    assert held["code"] == 1 and held["out"]["error"]["type"] == "HomeInUse"
    message = held["out"]["error"]["message"]
    assert message.startswith(f"home {home} is in use by `ledgergraph serve` (pid ")
    assert "--endpoint" not in message.replace("(it takes no --endpoint)", "")
    assert message.endswith(
        "; this command works on the home's files itself (it takes no --endpoint), so it can "
        "run here only once that node stops: stop it, or use another --home"
    )


def test_the_lock_is_free_again_after_a_command_and_after_a_kill(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with home_lock(home, "first"):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from localrun.home_lock import home_lock\n"
         "with home_lock(Path(sys.argv[1]), 'ledgergraph quickbooks sync'):\n"
         "    print('held', flush=True); time.sleep(60)", str(home)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        held_by = rf"`ledgergraph quickbooks sync` \(pid {holder.pid},"
        with pytest.raises(HomeInUse, match=held_by), home_lock(home, "second"):
            pass
    finally:
        holder.kill()
        holder.wait()

    with home_lock(home, "after the kill"):  # the kernel released the killed holder's lock
        assert json.loads((home / ".lock").read_text())["what"] == "after the kill"


def test_commands_talking_to_a_node_take_no_lock(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    with home_lock(home, "ledgergraph sec run"):
        # refused by the closed port, not by the lock
        code = cli(["stats", "--home", str(home), "--endpoint", "http://127.0.0.1:9", "--json"])

    assert code == 1
    assert json.loads(capsys.readouterr().out)["error"]["type"] != "HomeInUse"


def test_reading_a_home_that_does_not_exist_creates_nothing(tmp_path: Path, capsys) -> None:
    home = tmp_path / "typo"

    code = cli(["stats", "--home", str(home), "--json"])

    assert code == 1
    assert json.loads(capsys.readouterr().out)["error"] == {
        "type": "HomeNotFound",
        "message": f"no ledgergraph home at {home} (--home, LEDGERGRAPH_HOME)",
    }
    assert not home.exists()


def test_bad_command_line_input_is_one_line_not_a_traceback(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")

    home = a_file / "home"  # no folder can be made under a file

    code = cli(["sec", "run", "--source", str(tmp_path), "--home", str(home), "--json"])

    assert code == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "NotADirectoryError" and str(a_file) in error["message"]


@pytest.mark.parametrize("cik", ["-5", "0", "99999999999999999999999", "12927x", "１２"])
def test_a_cik_that_is_no_cik_is_refused_before_any_work(tmp_path: Path, capsys, cik: str) -> None:
    # -5 once meant "every filer" to the facts query, which used a negative CIK for no filter
    with pytest.raises(SystemExit) as exited:
        cli(["facts", "--home", str(tmp_path), "--concept", "Revenues", "--cik", cik])

    assert exited.value.code == 2
    assert f"argument --cik: {cik!r} is not a CIK: a whole number of 1 to 10 digits" in (
        capsys.readouterr().err
    )
    assert list(tmp_path.iterdir()) == []  # refused before the home was read


def test_a_cik_in_edgars_ten_digit_form_is_the_same_cik() -> None:
    from localrun.cli_common import cik_number

    assert cik_number("0000012927") == cik_number("12927") == 12927


def test_query_parameters_are_json_when_they_parse_and_text_otherwise() -> None:
    from localrun.cli_graph import _parse_params

    assert _parse_params(["report=0000012927-24-000010", "n=12", 'q="12"', "on=true"]) == {
        "report": "0000012927-24-000010", "n": 12, "q": "12", "on": True,
    }  # fmt: skip


def test_query_numbers_a_double_keeps_as_written_are_doubles() -> None:
    from localrun.cli_graph import _parse_params

    params = _parse_params(["a=8732.02", "b=1e3", "c=[12, 0.1]", 'm={"t": -900.50}'])

    assert params == {"a": 8732.02, "b": 1000.0, "c": [12, 0.1], "m": {"t": -900.5}}
    assert type(params["b"]) is float


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("x=1e400", "--param x: $x is 1E+400, beyond the graph engine's DOUBLE range"),
        ("x=NaN", "--param x: $x is NaN; only finite numbers are taken"),
        ("x=[1, -Infinity]", "--param x: $x[1] is -Infinity; only finite numbers are taken"),
        (
            "x=99999999999999999999.5",
            "--param x: $x is 99999999999999999999.5: as a DOUBLE it would be 1e+20; give it "
            'as a string ("99999999999999999999.5") and CAST($x AS DECIMAL(38, 1))',
        ),
        (
            "ids=[1, 0.30000000000000000001]",
            "--param ids: $ids[1] is 0.30000000000000000001: as a DOUBLE it would be 0.3; "
            "give $ids's elements all as strings and convert them in the query, e.g. "
            "list_transform($ids, v -> CAST(v AS DECIMAL(38, 20)))",
        ),
    ],
)
def test_query_numbers_no_double_keeps_are_refused_naming_the_parameter(
    tmp_path: Path, capsys, pair: str, message: str
) -> None:
    code = cli(["query", "--home", str(tmp_path), "--param", pair, "RETURN 1", "--json"])

    assert code == 1
    assert not (tmp_path / "graphs").exists()  # refused before the graph was opened
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["message"].startswith(message)


def test_events_list_takes_home_after_the_subcommand_and_leaves_it_alone(
    tmp_path: Path, capsys
) -> None:
    home = tmp_path / "home"

    code = cli(["events", "list", "--home", str(home), "--json"])
    listed = json.loads(capsys.readouterr().out)

    assert code == 0
    nightly = next(t for t in listed if t["name"] == "NightlySec")
    assert nightly["kind"] == "ScheduleV2"
    assert not home.exists()  # the listing reads template.yaml, not the home


def test_sec_run_over_an_empty_folder_says_it_holds_no_package(tmp_path: Path, capsys) -> None:
    source = tmp_path / "empty"
    source.mkdir()

    code = cli(["sec", "run", "--source", str(source), "--home", str(tmp_path / "home"), "--json"])
    out = json.loads(capsys.readouterr().out)

    assert code == 1
    assert out["error"]["type"] == "NoFilingPackage"
    assert out["error"]["message"].startswith(f"source folder {source} holds no filing package")
    assert "filings" not in out  # no package line, failed or otherwise


def test_sec_run_over_the_folder_above_the_packages_names_the_folder_to_give(
    tmp_path: Path, capsys
) -> None:
    """``--source sample_data`` for ``sample_data/sec``: one error naming the folders that
    hold packages (``sec`` and ``sec_more``), not a failed "package" per sub-folder
    (edgar's index pages are documents, no package)."""
    source = REPO / "sample_data"

    code = cli(["sec", "run", "--source", str(source), "--home", str(tmp_path / "home"), "--json"])
    out = json.loads(capsys.readouterr().out)

    assert code == 1
    assert out["error"] == {
        "type": "NoFilingPackage",
        "message": f"source folder {source} holds no filing package, but {source / 'sec'}, "
        f"{source / 'sec_more'} hold folders of them: give --source one of them",
    }


def test_a_folder_above_one_folder_of_packages_names_it(tmp_path: Path, capsys) -> None:
    """With one folder of packages below (beside one of other JSON, as sample_data/edgar),
    the error names it as the --source to give."""
    source = tmp_path / "data"
    shutil.copytree(REPO / "sample_data" / "sec" / "tsla-10q-2024-06-30",
                    source / "sec" / "tsla-10q-2024-06-30")  # fmt: skip
    (source / "listings").mkdir()
    (source / "listings" / "index.json").write_text("{}", encoding="utf-8")

    code = cli(["sec", "run", "--source", str(source), "--home", str(tmp_path / "home"), "--json"])
    out = json.loads(capsys.readouterr().out)

    assert code == 1
    assert out["error"]["message"] == (
        f"source folder {source} holds no filing package, but {source / 'sec'} holds folders "
        f"of them: give --source {source / 'sec'}"
    )


@pytest.mark.parametrize("given", ["missing", "file"])
def test_sec_run_given_no_folder_is_refused_before_a_home_is_made(
    tmp_path: Path, capsys, given: str
) -> None:
    source = tmp_path / "packages"
    if given == "file":
        source.write_text("not a folder")
    home = tmp_path / "home"

    with pytest.raises(SystemExit) as exited:
        cli(["sec", "run", "--source", str(source), "--home", str(home)])

    assert exited.value.code == 2  # argparse's usage error
    what = "a file, not a folder" if given == "file" else "no such folder"
    assert f"argument --source: {source}: {what}" in capsys.readouterr().err
    assert not home.exists()


def test_a_refused_key_says_how_to_give_one_and_names_the_node(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localrun.graph_node_process import graph_node_process

    key = "test-key-not-a-secret"
    reader_home = tmp_path / "reader"  # no graph-node.key in it
    monkeypatch.delenv("LEDGERGRAPH_GRAPH_API_KEY", raising=False)
    with graph_node_process(home=tmp_path / "node", api_key=key) as url:
        argv = ["stats", "--endpoint", url, "--home", str(reader_home), "--json"]
        without = cli(argv), json.loads(capsys.readouterr().out)["error"]
        monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_KEY", "wrong")
        wrong = cli(argv), json.loads(capsys.readouterr().out)["error"]
        monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_KEY", key)
        right = cli(argv), json.loads(capsys.readouterr().out)

    assert without[0] == wrong[0] == 1
    assert without[1]["message"] == (
        "GET /databases/sec/stats -> 401 Unauthorized: missing or wrong X-Api-Key. "
        f"The graph node at {url} wants its API key: no key was sent "
        f"(LEDGERGRAPH_GRAPH_API_KEY is not set, no {reader_home}/graph-node.key). "
        "Set LEDGERGRAPH_GRAPH_API_KEY to the node's key, or give --home the data directory "
        "of a node started with `ledgergraph serve` (its key is in graph-node.key there)"
    )
    assert (
        "wants its API key: the key in LEDGERGRAPH_GRAPH_API_KEY was refused."
        in (wrong[1]["message"])
    )
    # with its key the node answers the request itself: it holds no graph yet
    assert right[1]["error"]["message"] == (
        "GET /databases/sec/stats -> 404 GraphNotFound: no graph 'sec' on this node "
        "(its graphs: none)"
    )


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    """`ledgergraph ... | head`: the pipe closes before the command writes."""
    command = subprocess.Popen(
        [sys.executable, "-m", "localrun.cli", "events", "list"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    command.stdout.close()  # long before the interpreter has imported the CLI

    stderr = command.communicate(timeout=120)[1].decode()

    assert command.returncode == 1
    assert stderr == ""  # no "Broken pipe" error, no traceback at exit


def test_stats_through_a_node_names_the_node_in_its_clean_up_command(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    import localrun.graph_access

    class Reader:  # what a node's /stats answers for a load that stopped after staging
        def stats(self, graph_id: str) -> dict[str, object]:
            return {"nodes": {"Report": 5}, "relationships": {}, "files": {"staged": 3},
                    "unfinished": {"r2": 3}}  # fmt: skip

    @contextmanager
    def reader(**_: object):  # noqa: ANN202
        yield Reader()

    monkeypatch.setattr(localrun.graph_access, "open_reader", reader)
    url = "http://127.0.0.1:8710"

    code = cli(["stats", "--home", str(tmp_path), "--endpoint", url, "--graph", "qbo-1"])

    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "if no load is running, remove them with: ledgergraph delete-source "
        f"--home {tmp_path} --graph qbo-1 --endpoint {url} r2"
    )


def test_a_run_exits_75_only_when_nothing_failed_and_a_load_was_interrupted() -> None:
    # the counts of sec_run._count and the statuses of a QuickBooks run's summary
    sec = {"ok": False, "loaded": 3, "duplicates": 0}
    assert run_exit_code({**sec, "failed": 0, "interrupted": 2}) == EXIT_INTERRUPTED == 75
    assert run_exit_code({**sec, "failed": 1, "interrupted": 1}) == EXIT_FAILURES
    assert run_exit_code({**sec, "failed": 2, "interrupted": 0}) == EXIT_FAILURES
    assert run_exit_code({"ok": True, "failed": 0, "interrupted": 0}) == EXIT_OK
    assert run_exit_code({"ok": False, "status": "interrupted"}) == EXIT_INTERRUPTED
    assert run_exit_code({"ok": False, "status": "failed"}) == EXIT_FAILURES


def test_serve_refuses_graph_without_replica_and_lists_the_nodes_settings(
    tmp_path: Path, capsys
) -> None:
    code = cli(["serve", "--home", str(tmp_path / "home"), "--graph", "nosuch"])

    assert code == 1
    assert capsys.readouterr().err.startswith("error: --graph names the graphs a replica serves")

    with pytest.raises(SystemExit):
        cli(["serve", "--help"])
    shown = capsys.readouterr().out
    # every setting of the node but the tests' own, from graph_node/settings.py
    for name in ("API_KEY", "API_KEY_FILE", "PUBLISH_STORE_URI", "QUERY_TIMEOUT_S", "EVENTS"):
        assert f"\n  LEDGERGRAPH_{name}: " in shown
    assert "LEDGERGRAPH_TEST_" not in shown


@pytest.mark.parametrize(
    "command", [["stats"], ["sec", "run", "--source", str(REPO / "sample_data" / "sec")]]
)
def test_a_home_that_is_a_file_is_named_as_one(tmp_path: Path, capsys, command: list[str]) -> None:
    home = tmp_path / "notes.txt"
    home.write_text("a file")

    code = cli([*command, "--home", str(home), "--json"])

    assert code == 1
    assert json.loads(capsys.readouterr().out)["error"] == {
        "type": "HomeNotFound",
        "message": f"{home} is a file, not a ledgergraph home (--home, LEDGERGRAPH_HOME)",
    }
    assert home.read_text() == "a file"


@pytest.mark.parametrize(
    ("argv", "handler", "code", "said"),
    [
        (["sec", "run", "--source", str(REPO / "sample_data" / "sec")], "cli_sec.cmd_sec_run",
         75, "interrupted; run the same command again to resume; until then a filing it "
             "had begun loading may be half loaded (`ledgergraph stats` lists its files "
             "never materialized; `verify` and `facts` warn)\n"),
        (["quickbooks", "load-sample"], "cli_quickbooks.cmd_load_sample",
         75, "interrupted; run the same command again to resume"),
        (["stats"], "cli_graph.cmd_stats", 130, "interrupted; stats changed nothing"),
    ],
)  # fmt: skip
def test_ctrl_c_exits_75_for_a_run_and_130_for_a_read(
    tmp_path: Path, capsys, monkeypatch, argv: list[str], handler: str, code: int, said: str
) -> None:
    """The README's promise: a scheduler retrying on 75 retries a run stopped by Ctrl-C."""
    import localrun

    module, name = handler.split(".")

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(getattr(localrun, module), name, interrupted)
    home = tmp_path / "home"
    home.mkdir()

    assert cli([*argv, "--home", str(home)]) == code
    assert capsys.readouterr().err.startswith(f"error: {said}")


_BUSY_THREAD_AT_EXIT = """
import threading, time
import localrun.cli as cli
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()  # a step still running
def interrupted(argv=None):
    print("error: interrupted; run the same command again to resume", flush=False)
    return 75
cli.main = interrupted
cli.run()
print("never printed")
"""


def run_python(program: str) -> subprocess.CompletedProcess[str]:
    """``program`` in a new interpreter of this environment, its output captured."""
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, cwd=REPO
    )


def test_the_program_ends_with_its_status_past_a_step_still_running() -> None:
    """The `ledgergraph` program (`run`) ends with main's status at once while a daemon
    thread still runs (a local execution's step Ctrl-C left inside DuckDB would abort
    interpreter finalization with SIGABRT, 134), its output flushed first."""
    done = run_python(_BUSY_THREAD_AT_EXIT)
    assert done.returncode == EXIT_INTERRUPTED
    assert done.stdout == "error: interrupted; run the same command again to resume\n"


def test_the_program_exits_normally_with_no_step_running() -> None:
    """With no thread left, the interpreter finalizes as usual (its exit handlers run)."""
    program = "import atexit, localrun.cli as c\n"
    program += "atexit.register(print, 'finalized')\nc.main = lambda: 3\nc.run()\n"
    done = run_python(program)
    assert done.returncode == 3
    assert done.stdout == "finalized\n"

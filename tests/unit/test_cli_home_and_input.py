"""One ledgergraph command per home: a second one fails at once, naming the holder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from localrun.cli import main as cli
from localrun.home_lock import HomeInUse, home_lock

REPO = Path(__file__).resolve().parents[2]


def test_a_second_command_on_a_held_home_fails_naming_the_holder(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    with home_lock(home, "ledgergraph sec run"):
        code = cli(["stats", "--home", str(home), "--json"])
        out = json.loads(capsys.readouterr().out)

    assert code == 1
    assert out["error"]["type"] == "HomeInUse"
    message = out["error"]["message"]
    assert message.startswith(f"home {home} is in use by `ledgergraph sec run` (pid ")
    assert message.endswith("wait for it to finish or use another --home")
    assert not (home / "graphs").exists()  # refused before touching anything


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
        assert json.loads((home / ".lock").read_text())["command"] == "after the kill"


def test_commands_talking_to_a_node_take_no_lock(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    with home_lock(home, "ledgergraph sec run"):
        # refused by the closed port, not by the lock
        code = cli(["stats", "--home", str(home), "--endpoint", "http://127.0.0.1:9", "--json"])

    assert code == 1
    assert json.loads(capsys.readouterr().out)["error"]["type"] != "HomeInUse"

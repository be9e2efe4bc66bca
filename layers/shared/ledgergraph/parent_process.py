"""Child processes of a local run stop when the run dies, however it dies.

A local run starts the graph node and each XBRL task as child processes and tells them its
pid in ``LEDGERGRAPH_PARENT_PID``. If the run is killed (even with SIGKILL) a child must not
live on writing to the store or holding the home's files: Linux sends it SIGTERM when the
parent dies (PR_SET_PDEATHSIG), and a parent gone before that was set is caught by the pid
check. Without the variable (a container on AWS, a node started by hand) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PARENT_PID_VARIABLE = "LEDGERGRAPH_PARENT_PID"
EXIT_PARENT_GONE = 5  # the run that started us had already ended

_PR_SET_PDEATHSIG = 1


def child_environment() -> dict[str, str]:
    """The variable to hand a child so it stops with this process."""
    return {PARENT_PID_VARIABLE: str(os.getpid())}


def die_with_parent() -> None:
    """Ask for SIGTERM when the parent named by LEDGERGRAPH_PARENT_PID dies.

    Raises:
        SystemExit: with EXIT_PARENT_GONE when that parent has already ended.
    """
    parent = os.environ.get(PARENT_PID_VARIABLE, "")
    if not parent.isdigit() or not sys.platform.startswith("linux"):
        return
    # NOTE: the signal follows the parent *thread*; the runs start children from a thread
    # that waits for them, so it outlives them.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(parent):
        raise SystemExit(EXIT_PARENT_GONE)

"""Suite-wide guard: no test reaches anything but 127.0.0.1.

Clients in this project default to real hosts (SEC, Intuit, AWS); a test that forgets to aim
one at a local server must fail, not send a request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.network_guard import loopback_only


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only() as refused:
        yield
    assert not refused, f"test tried to reach {refused}"


@pytest.fixture(autouse=True)
def _loggers_restored() -> Iterator[None]:
    """CLI commands quieten the shared loggers for their process and send their lines to
    stderr; give every test the levels and the stdout a fresh process has, so a test that
    reads log lines from stdout passes whichever test ran before it."""
    from ledgergraph.logs import restore_log_levels, restore_log_streams

    yield
    restore_log_levels()
    restore_log_streams()

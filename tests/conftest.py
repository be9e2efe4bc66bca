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
def _logger_levels_restored() -> Iterator[None]:
    """CLI commands quieten the shared loggers for their process; give tests theirs back."""
    from ledgergraph.logs import restore_log_levels

    yield
    restore_log_levels()

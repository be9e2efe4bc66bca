"""Garbage collection around one filing: no automatic passes during it, one pass after.

An Arelle load builds a few hundred thousand objects that live until the model closes, and
the worker keeps the standard schemas of every taxonomy year it has loaded. Python's
automatic collector re-walks all of them whenever enough objects have been allocated: in a
batch of the bundled filings its full passes alone took about 1 s. So the collector is off
while a filing is processed; afterwards one collection frees the closed model's reference
cycles, and what survives it (the process's modules, Arelle's session, the cached schemas)
is frozen (``gc.freeze``) so that no later pass walks it again. Memory stays flat over a
batch (see bench/xbrl_processing.py).

Importing Arelle is the same story at start-up: its ~900 modules' objects live as long as
the process, and the automatic passes during the import cost about 0.15 s of CPU.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_after() -> Iterator[None]:
    """Run the block with the automatic collector off, then collect and freeze survivors.

    Nested use only collects once, when the outermost block ends.
    """
    with _collector_off(collect=True):
        yield


@contextmanager
def long_lived() -> Iterator[None]:
    """Run the block with the automatic collector off, then freeze what it built.

    For objects that live as long as the process (imported modules, the Arelle session);
    nothing is collected first, so the block should leave no garbage worth freeing.
    """
    with _collector_off(collect=False):
        yield


@contextmanager
def _collector_off(*, collect: bool) -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:  # the outermost block: an inner one leaves the collector to it
            if collect:
                gc.collect()
            gc.freeze()
            gc.enable()

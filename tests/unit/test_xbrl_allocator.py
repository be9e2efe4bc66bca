"""The worker's C heap settings: freed memory is reused, not handed back and faulted in again."""

from __future__ import annotations

import resource
import sys

import pytest

from xbrl_task.allocator import keep_freed_memory

BLOCK, BLOCKS = 256 * 1024, 200  # 50 MiB in blocks over glibc's first mmap threshold
PAGES_PER_ROUND = BLOCK * BLOCKS // resource.getpagesize()


def minor_faults_of_rounds(rounds: int) -> int:
    """Page faults of allocating, filling and freeing the blocks ``rounds`` times over."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(rounds):
        blocks = [bytearray(BLOCK) for _ in range(BLOCKS)]  # zero-filled: pages written
        del blocks
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_memory_freed_by_one_round_is_reused_by_the_next_without_faults() -> None:
    assert keep_freed_memory()
    minor_faults_of_rounds(1)  # the heap grows once to hold a round

    faults = minor_faults_of_rounds(10)

    # glibc's defaults trim the freed top of the heap after each round: 10 rounds then
    # fault ~127,000 pages in again (measured), ten times one round's 12,800
    assert faults < PAGES_PER_ROUND

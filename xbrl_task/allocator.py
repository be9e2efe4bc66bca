"""C heap settings for a worker that loads one filing after another in one process.

Each filing allocates and frees the same few hundred MB (lxml's trees, the documents' text,
Arelle's large lists and dicts). By default glibc's malloc serves every block over its
mmap threshold (128 KiB at first) with a fresh ``mmap`` and returns it on ``free``, and
trims the top of its heap once 128 KiB are free there, so the next filing faults those
pages in again: ~30,000 of the batch's ~110,000 minor page faults (bench/xbrl_processing.py,
system CPU). With the threshold at glibc's maximum and trimming off, freed memory stays in
the heap for the next filing: RSS sits at the largest filing's peak instead of dropping
between filings, and does not grow across a batch.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc's limit on 64-bit systems
_NEVER_TRIM = 2**31 - 1


def keep_freed_memory() -> bool:
    """Have glibc keep freed blocks for reuse rather than return them to the system.

    Returns:
        Whether the C library took both settings; False where it is not glibc (musl,
        macOS), which changes nothing there.
    """
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # no C library by that name, or no mallopt in it
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    took_mmap = mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX) == 1
    took_trim = mallopt(_M_TRIM_THRESHOLD, _NEVER_TRIM) == 1
    return took_mmap and took_trim

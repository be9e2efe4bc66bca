"""Copies of the bundled SEC packages, edited the way a changed copy of a filing would be."""

from __future__ import annotations

import shutil
from pathlib import Path

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
# AEON Biopharma's Q3 2023 10-Q: its package names no accession number
AEON = "aeon-10q-2023-09-30"
# AEON's cash at 2023-09-30, in thousands (one fact; scale 3)
CASH = b'id="Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3">16,177<'


def aeon_package(source: Path, name: str = AEON, *, cash: str | None = None) -> Path:
    """A copy of AEON's package under ``source``, its cash at 2023-09-30 maybe edited."""
    package = source / name
    shutil.copytree(SAMPLE_SEC / AEON, package)
    if cash is not None:
        document = package / "aeon-20230930x10q.htm"
        data = document.read_bytes()
        assert data.count(CASH) == 1
        document.write_bytes(data.replace(CASH, CASH.replace(b"16,177", cash.encode())))
    return package

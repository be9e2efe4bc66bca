"""Deterministic ids: the same content gives the same id on any machine."""

from __future__ import annotations

import hashlib

_SEPARATOR = "\x1f"  # ASCII unit separator: never part of a qname, date or value we hash


def stable_id(*parts: object) -> str:
    """A 32-hex-digit id from the parts' text; None is hashed as an empty part."""
    text = _SEPARATOR.join(["" if p is None else str(p) for p in parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cik10(cik: int | str) -> str:
    """A CIK as EDGAR's 10-digit zero-padded string."""
    return f"{int(cik):010d}"


def dashed_accession(accession: str) -> str:
    """0000012927-24-000010 from either the dashed or the plain 18-digit form."""
    digits = accession.replace("-", "")
    if len(digits) != 18 or not digits.isdigit():
        raise ValueError(f"not an accession number: {accession!r}")
    return f"{digits[:10]}-{digits[10:12]}-{digits[12:]}"

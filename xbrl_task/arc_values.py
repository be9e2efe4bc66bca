"""Arc attributes the graph stores as numbers, checked against the text the linkbase files.

``order`` and ``weight`` are xs:decimal and go to DECIMAL(38, 12) columns, ``priority`` is
xs:integer and goes to INT64. Arelle reads them leniently, with Python's ``Decimal`` and
``int`` (``1e3`` is 1000, ``1_0`` is 10, ``abc`` a NaN weight, an unordered arc or priority
0), and Arrow refuses a number it would have to round, failing the whole filing. An arc one
of whose values the graph cannot hold as filed is left out, with a warning to act on naming
it; nothing is rounded.
"""

from __future__ import annotations

import re
from functools import lru_cache

from xbrl_task.model import ArcInfo
from xbrl_task.values import NotANumber, ValueNotExact, exact_decimal, shown

ARC_REFUSED = "arc not loaded"
_INT64 = range(-(2**63), 2**63)
_INT64_DIGITS = 19  # more digits are outside INT64 (and int() refuses over 4300)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_XML_SPACE = " \t\r\n"


def arc_problem(arc: ArcInfo) -> str | None:
    """Why the graph cannot hold the first numeric attribute of ``arc`` as filed, or None.

    The reason names the attribute and quotes its text (``weight not storable as
    DECIMAL(38, 12): more than 12 decimal places: '0.1234567890123456'``).
    """
    for attribute, text in arc.filed:
        why = _problem(attribute, text)
        if why is not None:
            return f"{attribute} {why}"
    return None


@lru_cache(maxsize=4096)
def _problem(attribute: str, text: str) -> str | None:
    """Why ``text`` of ``attribute`` cannot be stored, or None; remembered per text.

    NOTE: a filing's arcs repeat a few order, weight and priority texts ("1", "2.0"):
    checking each distinct text once saves most of ~30,000 checks a batch.
    """
    return _integer_problem(text) if attribute == "priority" else _decimal_problem(text)


def refused_arc_warning(arc: ArcInfo, problem: str, document: str) -> str:
    """The warning to act on for an arc left out: where it is, what it links and why.

    Args:
        document: the linkbase as the graph names files (a package file by its name).
    """
    return (
        f"{ARC_REFUSED}: {document}, role {arc.linkrole}, arcrole {arc.arcrole}, "
        f"from {arc.source} to {arc.target}: {problem}; fix the linkbase and load the "
        "package again"
    )


def _decimal_problem(text: str) -> str | None:
    try:
        exact_decimal(text)
    except NotANumber as exc:
        return f"not readable: {exc}"
    except ValueNotExact as exc:
        return f"not storable as DECIMAL(38, 12): {exc}"
    return None


def _integer_problem(text: str) -> str | None:
    stripped = text.strip(_XML_SPACE)
    if _INTEGER.fullmatch(stripped) is None:
        return f"not readable: not an integer: {shown(stripped)}"
    digits = stripped.lstrip("+-").lstrip("0")
    if len(digits) > _INT64_DIGITS or int(stripped) not in _INT64:
        return f"not storable as INT64: {shown(stripped)}"
    return None

"""Cypher parameter values the graph engine cannot bind, refused naming where they are.

real_ladybug 0.15.3 gives each parameter one engine type, taken from the Python value, and
fails on a value without one in ways that name nothing (measured with ``RETURN $p``):

- a string holding a lone surrogate (JSON allows ``"\\ud800"``): a pybind11 cast error,
  "Unable to cast Python instance of type <class 'str'> to C++ type '?'";
- a list with no element but null (``[]``, ``[null]``) or a map field that is only null:
  "Trying to a create a vector with ANY type. This should not happen", or an engine
  assertion (``{"a": null}``);
- a list whose elements are of different types: ``[1, "a", {"b": 2}]`` binds as the text
  ``'[1, "a", {"b": 2}]'`` without a word; ``[1, true]``, ``[[1], ["a"]]`` and maps with
  other keys or field types fail with a cast error naming the engine types only;
- ``1e400`` (read from JSON as infinity) and ``NaN`` bind as ``inf`` and ``nan``, which no
  stored value equals and which come back as text.

Integers and floats together are one type (the engine makes them DOUBLE), and null goes with
anything; a list of lists or maps takes one type from all of them (``[[], [1]]`` is a list
of integer lists). Parameter values are at most ``MAX_PARAMETER_NESTING`` deep when this
runs (``check_parameter_shape``), so the recursion is shallow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from graph_node.errors import InvalidRequest

# A value's engine type as far as these checks need it: one of the scalar names below,
# ("list", element type) or ("map", ((key, field type), ...)). NULL is a type not known yet.
Kind = str | tuple[Any, ...]
NULL, BOOLEAN, NUMBER, STRING = "null", "boolean", "number", "string"


def check_bindable(name: str, value: Any) -> None:
    """Raise InvalidRequest naming where in parameter ``name`` a value cannot be bound."""
    kind = _kind_of(value, f"${name}")
    if value is not None and not _resolved(kind):
        where = _first_untyped(value, f"${name}") or f"${name}"
        raise InvalidRequest(
            f"Cypher parameter {where} is an empty list, a list of nulls or a null map "
            "field, whose type the graph engine cannot tell (it fails naming nothing); "
            "leave it out of the query or give it at least one value"
        )


def _kind_of(value: Any, where: str) -> Kind:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return NUMBER
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRequest(
                f"Cypher parameter {where} is {value} (a number too large for a double, or "
                "NaN): the graph engine would compare it with nothing; give a finite number"
            )
        return NUMBER
    if isinstance(value, str):
        _check_text(value, where)
        return STRING
    if isinstance(value, Mapping):
        for key in value:
            _check_text(str(key), f"{where} (a key)")
        fields = ((str(k), _kind_of(v, f"{where}.{k}")) for k, v in value.items())
        return ("map", tuple(sorted(fields)))
    if isinstance(value, list):
        return ("list", _element_kind(value, where))
    raise InvalidRequest(f"Cypher parameter {where} is a {type(value).__name__}")


def _element_kind(items: list[Any], where: str) -> Kind:
    """The one type of a list's elements, or InvalidRequest naming the first that differs."""
    kind: Kind = NULL
    first = ""
    for index, item in enumerate(items):
        item_kind = _kind_of(item, f"{where}[{index}]")
        merged = _merged(kind, item_kind)
        if merged is None:
            raise InvalidRequest(
                f"Cypher parameter {where} mixes types: {where}[{index}] is "
                f"{_describe(item_kind)}, {first} {_describe(kind)}; the graph engine binds "
                "a list of one type only (it would turn this one into text or fail)"
            )
        if kind == NULL and item_kind != NULL:
            first = f"{where}[{index}]"
        kind = merged
    return kind


def _merged(one: Kind, other: Kind) -> Kind | None:
    """The type both fit, or None: null fits anything, lists and maps field by field."""
    if one in (NULL, other):
        return other
    if other == NULL:
        return one
    if isinstance(one, tuple) and isinstance(other, tuple) and one[0] == other[0]:
        if one[0] == "list":
            inner = _merged(one[1], other[1])
            return None if inner is None else ("list", inner)
        if [k for k, _ in one[1]] != [k for k, _ in other[1]]:
            return None
        fields = [(k, _merged(a, b)) for (k, a), (_, b) in zip(one[1], other[1], strict=True)]
        return None if any(f is None for _, f in fields) else ("map", tuple(fields))
    return None


def _resolved(kind: Kind) -> bool:
    """Whether every list element and map field has a type (none is only ever null)."""
    if kind == NULL:
        return False
    if isinstance(kind, tuple):
        return _resolved(kind[1]) if kind[0] == "list" else all(_resolved(f) for _, f in kind[1])
    return True


def _first_untyped(value: Any, where: str) -> str | None:
    """Where the first list or map field without a typed value sits (for the message)."""
    if isinstance(value, list):
        if all(item is None for item in value):
            return where
        found = (_first_untyped(item, f"{where}[{i}]") for i, item in enumerate(value))
    elif isinstance(value, Mapping):
        if any(item is None for item in value.values()):
            key = next(k for k, v in value.items() if v is None)
            return f"{where}.{key}"
        found = (_first_untyped(item, f"{where}.{key}") for key, item in value.items())
    else:
        return None
    return next((hit for hit in found if hit is not None), None)


def _describe(kind: Kind) -> str:
    """``a number``, ``a list of strings``, ``a map {a: number, b: list of numbers}``."""
    return f"a {_name(kind)}"


def _name(kind: Kind) -> str:
    if isinstance(kind, str):
        return kind
    if kind[0] == "list":
        inner = kind[1]
        return f"list of {inner}s" if isinstance(inner, str) else f"list of {inner[0]}s"
    return "map {" + ", ".join(f"{key}: {_name(field)}" for key, field in kind[1]) + "}"


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRequest(
            f"Cypher parameter {where} holds a lone surrogate ({text[exc.start]!r}) at "
            f"character {exc.start}: not Unicode text the graph engine can take"
        ) from exc

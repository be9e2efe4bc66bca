"""Record values nested deeper than QuickBooks nests: cut out of an answer before it is read.

Python reads JSON one stack frame per level, so a record holding a value a few hundred
levels deep made the whole answer unreadable: the sync stopped, the sync state stayed
where it was, and every later sync asked for (and stopped on) the same record until it
changed in QuickBooks. A record QuickBooks sends nests its fields about seven levels deep
(``Line[0].GroupLineDetail.Line[0].SalesItemLineDetail.ItemRef.value``), so a value more
than ``MAX_RECORD_NESTING`` levels inside its record is none QuickBooks sends. It is
replaced, in the text, by a marker naming the record's field that held it
(``{"ledgergraph_too_deep": "CustomField"}``); the answer is then read and landed as
usual, and the transform rejects the record holding the marker alone, naming it
(``transform/sql/15_values.sql``).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate

# How many containers (objects, lists) a record's values may nest inside the record.
MAX_RECORD_NESTING = 32
TOO_DEEP_KEY = "ledgergraph_too_deep"
# How many containers are open inside a record of each answer:
# {"QueryResponse": {"Invoice": [{...}]}} and
# {"CDCResponse": [{"QueryResponse": [{"Invoice": [{...}]}]}]}.
QUERY_RECORD_DEPTH = 4
CDC_RECORD_DEPTH = 7

# A JSON string (escapes included), or one of the characters that open, close or separate.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')
# For the depth alone: escapes out first, then strings, then all but the brackets.
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_PLAIN_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def cut_too_deep(text: str, *, record_depth: int) -> str:
    """``text`` with every value nested more than ``MAX_RECORD_NESTING`` levels inside its
    record replaced by a marker naming the record's field; ``text`` itself when there is
    none (or the text is not JSON: the reader names that).

    ``record_depth`` is how many containers are open inside a record of the answer
    (``QUERY_RECORD_DEPTH``, ``CDC_RECORD_DEPTH``).
    """
    limit = record_depth + MAX_RECORD_NESTING
    if _deepest(text) <= limit:
        return text
    pieces, kept_from = [], 0
    depth, cut_at = 0, None
    field, in_object, expect_key = None, False, False  # the record's field being read
    for token in _TOKEN.finditer(text):
        char = token.group()[0]
        if cut_at is not None:  # inside a value being cut: find where it closes
            depth += 1 if char in "[{" else -1 if char in "]}" else 0
            if depth == limit:
                pieces += [text[kept_from:cut_at], json.dumps({TOO_DEEP_KEY: field})]
                kept_from, cut_at = token.end(), None
        elif char in "[{":
            if depth == limit:
                cut_at = token.start()
            depth += 1
            if depth == record_depth:  # a record opens
                field, in_object, expect_key = None, char == "{", char == "{"
        elif char in "]}":
            depth -= 1
        elif char == ",":
            expect_key = depth == record_depth and in_object
        elif expect_key and depth == record_depth:  # a string: the record's next field
            field, expect_key = _text_of(token.group()), False
    if cut_at is not None:  # never closed: not JSON, which the reader reports
        return text
    return "".join(pieces) + text[kept_from:]


def _text_of(literal: str) -> str:
    """A JSON string literal's text; its raw characters if an escape in it is not JSON's
    (the reader then names the answer as not JSON)."""
    try:
        return str(json.loads(literal))
    except ValueError:
        return literal[1:-1]


def _deepest(text: str) -> int:
    """How many containers are open at the deepest point of ``text`` (strings skipped)."""
    brackets = _NOT_BRACKET.sub("", _PLAIN_STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)

"""Values nested deeper than any record QuickBooks sends, cut out of an answer before it is
read (``ledgergraph.quickbooks.nesting``): the limit, on a real recorded invoice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_quickbooks_versions import sample_copy

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.nesting import MAX_RECORD_NESTING, QUERY_RECORD_DEPTH, cut_too_deep
from localrun.quickbooks_sample import SAMPLE_COMPANY, land_sample_run


def invoice_page(levels: int) -> str:
    """The recorded Invoice.json as QuickBooks answered it, with Invoice 1037 (Id 130, the
    first) given a CustomField of ``levels`` lists one inside the other."""
    body = json.loads((SAMPLE_COMPANY / "Invoice.json").read_text())
    body["QueryResponse"]["Invoice"][0]["CustomField"] = "DEEP"
    return json.dumps(body).replace('"DEEP"', "[" * levels + "]" * levels)


def custom_field(text: str) -> Any:
    return json.loads(text)["QueryResponse"]["Invoice"][0]["CustomField"]


def test_values_as_deep_as_the_limit_are_kept_as_sent() -> None:
    text = invoice_page(MAX_RECORD_NESTING)
    assert cut_too_deep(text, record_depth=QUERY_RECORD_DEPTH) is text


def test_a_value_past_the_limit_is_replaced_by_a_marker_naming_its_field() -> None:
    cut = cut_too_deep(invoice_page(MAX_RECORD_NESTING + 1), record_depth=QUERY_RECORD_DEPTH)

    value = custom_field(cut)
    for _ in range(MAX_RECORD_NESTING):
        (value,) = value
    assert value == {"ledgergraph_too_deep": "CustomField"}
    # everything else as sent: the other 36 invoices, and this one's own fields
    sent = json.loads((SAMPLE_COMPANY / "Invoice.json").read_text())["QueryResponse"]["Invoice"]
    kept = json.loads(cut)["QueryResponse"]["Invoice"]
    assert kept[1:] == sent[1:]
    assert {k: v for k, v in kept[0].items() if k != "CustomField"} == {
        k: v for k, v in sent[0].items() if k != "CustomField"
    }


def test_brackets_inside_text_do_not_count_as_nesting() -> None:
    text = invoice_page(1).replace('"CustomField": [[]]', '"CustomField": "' + "[{" * 40 + '"')
    assert cut_too_deep(text, record_depth=QUERY_RECORD_DEPTH) is text


def test_a_field_name_json_cannot_decode_is_kept_raw_for_the_reader_to_name() -> None:
    text = invoice_page(MAX_RECORD_NESTING + 1).replace('"CustomField"', '"Custom\\qField"')

    cut = cut_too_deep(text, record_depth=QUERY_RECORD_DEPTH)

    assert '{"ledgergraph_too_deep": "Custom\\\\qField"}' in cut
    with pytest.raises(json.JSONDecodeError):  # as the text QuickBooks sent would
        json.loads(cut)


def test_load_sample_refuses_a_recording_nested_too_deep_naming_the_record(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "store")
    folder = sample_copy(tmp_path, "deep")
    (folder / "Invoice.json").write_text(invoice_page(3000))

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(store, folder=folder)

    assert str(refused.value) == (
        f"recorded Invoice records in {folder / 'Invoice.json'} are not shaped as QuickBooks "
        'sends them (counted from 1): record 1 (Id "130"): CustomField is nested more than '
        "32 levels deep (no record QuickBooks sends is): not read"
    )
    assert not store.root.exists()

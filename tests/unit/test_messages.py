"""One-line error text: long reasons cut where a reader can see it, pydantic's errors by
field and rule without its help links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from ledgergraph.messages import clip, pluralize, validation_problems
from ledgergraph.sec_steps import PlanBatchesRequest
from localrun.lambdas import LambdaDispatcher

EVENTS = Path(__file__).resolve().parents[2] / "events"
# the key-ledger counts of an older Aeon graph file put back over a newer one (tester 4, L7)
OLDER_AEON = {
    "Entity": (1, 2), "Report": (1, 2), "Fact": (969, 2013), "Element": (1134, 1532),
    "Period": (72, 90), "Unit": (10, 14), "Dimension": (116, 178), "Context": (374, 707),
    "Security": (2, 3), "Label": (1353, 2345), "Network": (71, 138), "Arc": (2263, 3925),
    "Taxonomy": (9, 18), "ENTITY_HAS_REPORT": (1, 2), "REPORT_HAS_FACT": (969, 2013),
    "FACT_HAS_ELEMENT": (969, 2013), "FACT_HAS_PERIOD": (969, 2013),
    "FACT_HAS_UNIT": (843, 1796), "FACT_HAS_ENTITY": (969, 2013),
}  # fmt: skip


def older_aeon_reason() -> str:
    from graph_node.graphs import _ledger_disagreement

    return _ledger_disagreement(OLDER_AEON)


def test_a_long_damage_reason_is_cut_after_a_whole_table_and_says_so() -> None:
    reason = older_aeon_reason()

    clipped = clip(reason, 1000, more="the graph node's log has it all")

    head, marker = clipped.split(" [... ")
    assert reason.startswith(head) and len(head) <= 1000
    assert head.endswith("; FACT_HAS_UNIT 843 rows in the file, 1796 recorded")
    left = "; FACT_HAS_ENTITY 969 rows in the file, 2013 recorded"
    assert reason == head + left
    assert marker == f"{len(left)} more characters; the graph node's log has it all]"


def test_a_short_reason_is_kept_whole_on_one_line() -> None:
    assert clip("staging file\n  x is   damaged", 500) == "staging file x is damaged"


def test_text_without_a_separator_is_cut_at_the_limit() -> None:
    assert clip("9" * 30, 10) == "9999999999 [... 20 more characters]"


def test_a_state_machine_input_with_a_bad_graph_id_names_the_field_and_rule() -> None:
    event = json.loads((EVENTS / "plan_batches" / "three_filings.json").read_text())
    event["graph_id"] = "BAD GRAPH"
    lambdas = LambdaDispatcher({}, handlers={"plan": _plan_request})

    body, failed = lambdas.invoke("plan", json.dumps(event))

    error = json.loads(body)
    assert failed and error["errorType"] == "ValidationError"
    assert error["errorMessage"] == (
        "invalid PlanBatchesRequest: graph_id: String should match pattern "
        "'^[a-z][a-z0-9_-]{0,62}$' (got 'BAD GRAPH')"
    )
    assert "pydantic.dev" not in body.decode()


def test_several_bad_fields_are_each_named() -> None:
    event = json.loads((EVENTS / "plan_batches" / "three_filings.json").read_text())
    event |= {"batch_size": 0, "run_id": "x" * 100}
    with pytest.raises(ValidationError) as raised:
        PlanBatchesRequest.model_validate(event)

    problems = validation_problems(raised.value)
    assert problems.split("; ")[1] == (
        "batch_size: Input should be greater than or equal to 1 (got 0)"
    )
    assert problems.startswith("run_id: String should match pattern ")
    assert f"(got '{'x' * 59}...)" in problems  # the value's first 60 characters


def _plan_request(event: dict, context: object) -> dict:
    return PlanBatchesRequest.model_validate(event).model_dump()


def test_a_count_names_its_noun_in_the_singular_for_one_only() -> None:
    assert [pluralize(n, "filing") for n in (0, 1, 2)] == ["0 filings", "1 filing", "2 filings"]
    assert pluralize(3, "index", many="indexes") == "3 indexes"

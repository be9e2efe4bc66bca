"""Cover-page (dei) facts that disagree, and a form that says amendment when the flag does not.

Copies of AEON's 10-Q (inline), edited. ``disagreeing`` gets, first in its hidden section,
a second dei:EntityRegistrantName ("Some Other Company, Inc.") and dei:DocumentPeriodEndDate
(2023-06-30) in the required context (that of dei:DocumentType, 2023-01-01 to 2023-09-30),
and a dei:DocumentFiscalPeriodFocus "Q2" in another context (2023-01-01 to 2023-07-21).
``amended`` is the filing unedited but for filing.json's form: 10-Q/A. ``two_symbols``
gets a second dei:TradingSymbol for its Class A common stock ("AEONX" beside "AEON") and
its warrants' own "AEON WS" again.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from xbrl_samples import AEON as AEON_PACKAGE
from xbrl_samples import AEON_DOCUMENT, EditedRun, edited_copy, run_edited

REQUIRED = "Duration_1_1_2023_To_9_30_2023_Ebj2XMZXPkeeBZsJQEfMqA"
OTHER = "Duration_1_1_2023_To_7_21_2023_qs9LCfOTIEi_6TQIdKNpKA"
AEON = "0001837607"  # the name as filed has a no-break space: "AEON Biopharma,&#160;Inc."
INSERTED = (
    f'<ix:nonNumeric contextRef="{REQUIRED}" name="dei:EntityRegistrantName" id="x-name">'
    "Some Other Company, Inc.</ix:nonNumeric>"
    f'<ix:nonNumeric contextRef="{REQUIRED}" name="dei:DocumentPeriodEndDate" id="x-end">'
    "2023-06-30</ix:nonNumeric>"
    f'<ix:nonNumeric contextRef="{OTHER}" name="dei:DocumentFiscalPeriodFocus" id="x-fp">'
    "Q2</ix:nonNumeric>"
)


def aeon_disagreeing(target: Path) -> Path:
    return edited_copy(AEON_PACKAGE, target, AEON_DOCUMENT, "<ix:hidden>", f"<ix:hidden>{INSERTED}")


CLASS_A = "us-gaap:StatementClassOfStockAxis=us-gaap:CommonClassAMember"
CLASS_A_CONTEXT = (
    "Duration_1_1_2023_To_9_30_2023_us-gaap_StatementClassOfStockAxis_us-gaap_CommonClassAMember"
    "_jrZwzBZ-YUixyrIRs_3wlQ"
)
WARRANT_CONTEXT = (
    "Duration_1_1_2023_To_9_30_2023_us-gaap_StatementClassOfStockAxis_us-gaap_WarrantMember"
    "_8tZ82ZTobUSq_753PCBSrQ"
)
SYMBOLS = (
    f'<ix:nonNumeric contextRef="{CLASS_A_CONTEXT}" name="dei:TradingSymbol" id="x-aeonx">'
    "AEONX</ix:nonNumeric>"
    f'<ix:nonNumeric contextRef="{WARRANT_CONTEXT}" name="dei:TradingSymbol" id="x-ws">'
    "AEON WS</ix:nonNumeric>"
)


def aeon_two_symbols(target: Path) -> Path:
    return edited_copy(AEON_PACKAGE, target, AEON_DOCUMENT, "<ix:hidden>", f"<ix:hidden>{SYMBOLS}")


def aeon_amended(target: Path) -> Path:
    edited_copy(AEON_PACKAGE, target, "filing.json", "", "")
    sidecar = target / "filing.json"
    filing = json.loads(sidecar.read_text(encoding="utf-8"))
    assert filing["form"] == "10-Q"
    sidecar.write_text(json.dumps({**filing, "form": "10-Q/A"}), encoding="utf-8")
    return target


class Run(EditedRun):
    def row(self, name: str, table: str, **where: object) -> dict:
        """The one row of ``table`` whose columns hold ``where``."""
        (row,) = [r for r in self.rows(name, table) if all(r[k] == v for k, v in where.items())]
        return row


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    editors = {
        "disagreeing": aeon_disagreeing,
        "amended": aeon_amended,
        "two_symbols": aeon_two_symbols,
    }
    done = run_edited(tmp_path_factory.mktemp("cover"), editors, "xbrl_cover")
    assert set(done.statuses.values()) == {"processed"}
    return Run(done.store, done.units, done.statuses)


def test_disagreeing_facts_in_the_required_context_set_no_value(run: Run) -> None:
    report = run.row("disagreeing", "Report")
    assert report["period_of_report"] is None
    assert (report["form"], report["document_type"], report["fiscal_year"]) == (
        "10-Q",
        "10-Q",
        2023,
    )
    assert run.row("disagreeing", "Entity", id=AEON)["name"] is None
    stated = run.row("disagreeing", "ENTITY_HAS_REPORT", **{"from": AEON})
    assert (stated["name"], stated["filer_category"]) == (None, "Non-accelerated Filer")
    # both pairs are flagged, as before: the Report no longer takes the first of either
    names = [run.row("disagreeing", "Fact", fact_xml_id=i) for i in ("x-name", "x-end")]
    assert {f["duplicate_status"] for f in names} == {"inconsistent"}


def test_the_value_in_the_required_context_wins_over_another_contexts(run: Run) -> None:
    assert run.row("disagreeing", "Report")["fiscal_period"] == "Q3"


def test_each_disagreement_is_a_warning_to_act_on_naming_the_values(run: Run) -> None:
    warnings = run.manifest("disagreeing").warnings_to_act_on
    name, end, focus = [w for w in warnings if w.startswith("cover-page")]
    # the two pairs in one context are also inconsistent duplicate sets, one warning each
    sets = [w.split(" in context ")[0] for w in warnings[3:]]
    assert sets == [
        "inconsistent duplicates: dei:EntityRegistrantName",
        "inconsistent duplicates: dei:DocumentPeriodEndDate",
    ]
    assert name == (
        f"cover-page facts disagree: dei:EntityRegistrantName of CIK {AEON} states "
        f"'Some Other Company, Inc.' (context {REQUIRED}), 'AEON Biopharma,\xa0Inc.' "
        f"(context {REQUIRED}); Entity.name is left empty, the required context (that of "
        "dei:DocumentType) holding more than one; fix the package and load it again"
    )
    assert end == (
        f"cover-page facts disagree: dei:DocumentPeriodEndDate of CIK {AEON} states "
        f"'2023-06-30' (context {REQUIRED}), '2023-09-30' (context {REQUIRED}); "
        "Report.period_of_report is left empty, the required context (that of "
        "dei:DocumentType) holding more than one; fix the package and load it again"
    )
    assert focus == (
        f"cover-page facts disagree: dei:DocumentFiscalPeriodFocus of CIK {AEON} states "
        f"'Q2' (context {OTHER}), 'Q3' (context {REQUIRED}); Report.fiscal_period takes "
        "'Q3', the value in the required context (that of dei:DocumentType); check the "
        "package"
    )


def test_a_form_ending_in_a_is_an_amendment_whatever_the_flag(run: Run) -> None:
    report = run.row("amended", "Report")
    assert (report["form"], report["document_type"], report["is_amendment"]) == (
        "10-Q/A",
        "10-Q",
        True,
    )
    assert report["period_of_report"] == date(2023, 9, 30)


def test_a_form_and_flag_that_disagree_are_a_warning_to_act_on(run: Run) -> None:
    warnings = run.manifest("amended").warnings_to_act_on
    assert warnings == [
        "form 10-Q in the document (dei:DocumentType), 10-Q/A in the package (filing.json); "
        "the graph's Report says 10-Q/A",
        "form 10-Q/A in the package (filing.json) but dei:AmendmentFlag false in the "
        "document; Report.is_amendment is true, a form ending in /A being an amendment; "
        "fix the package and load it again",
    ]


def test_a_class_stating_two_trading_symbols_takes_neither_and_says_so(run: Run) -> None:
    as_filed = {r["trading_symbol"]: r for r in run.rows("amended", "Security")}
    assert sorted(as_filed) == ["AEON", "AEON WS"]
    securities = {r["title"]: r for r in run.rows("two_symbols", "Security")}
    assert {t: r["trading_symbol"] for t, r in securities.items()} == {
        as_filed["AEON"]["title"]: None,
        as_filed["AEON WS"]["title"]: "AEON WS",  # stated twice alike: no disagreement
    }
    class_a = securities[as_filed["AEON"]["title"]]
    assert class_a["exchange"] == as_filed["AEON"]["exchange"] == "NYSEAMER"
    assert run.row("two_symbols", "Entity", id=AEON)["trading_symbols"] == "AEON WS"
    assert run.manifest("two_symbols").warnings_to_act_on == [
        f"cover-page facts disagree: dei:TradingSymbol of CIK {AEON} states 'AEONX' (context "
        f"{CLASS_A_CONTEXT}), 'AEON' (context {CLASS_A_CONTEXT}); Security.trading_symbol "
        f"(class {CLASS_A}) is left empty, the required context (that of dei:DocumentType) "
        "holding more than one; fix the package and load it again",
        f"inconsistent duplicates: dei:TradingSymbol in context {CLASS_A_CONTEXT}, no unit, "
        "states 'AEONX' (id x-aeonx), 'AEON' (id Tc_rAX0jbP8EUG9Y9c92stEFg_2_1); the graph "
        "keeps each value as a Fact with duplicate_status 'inconsistent' and duplicate_group "
        f"'{run.row('two_symbols', 'Fact', fact_xml_id='x-aeonx')['duplicate_group']}', none "
        "chosen: fix the package and load it again, or choose in your queries",
    ]

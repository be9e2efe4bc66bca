"""Packages without an accession number told apart by their cover page: a changed copy of a
report the graph holds is refused before anything is written, other packages go on."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from ledgergraph.filing_package import describe_package
from ledgergraph.objectstore import LocalObjectStore
from localrun.report_identity import HeldReport, ReportIdentity, package_identity
from localrun.sec_source import stage_source_folder
from tests.fakes.sec_packages import AEON, SAMPLE_SEC, aeon_package
from xbrl_task.cover_page import read_cover_facts

AEON_UNIT = "sha256-612e20f7341de3f049e163c6"  # the sha256 of the bundled entry point
AEON_Q3 = ReportIdentity(1837607, "10-Q", date(2023, 9, 30), 2023, "Q3", is_amendment=False)


def _held(ciks: set[int]) -> list[HeldReport]:
    assert ciks == {1837607}, ciks  # asked once, for the registrants of the packages
    return [HeldReport(AEON_UNIT, AEON_Q3)]


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "home" / "store")


def test_the_cover_page_of_an_inline_document_is_read_through_its_formats() -> None:
    cover = read_cover_facts(SAMPLE_SEC / AEON / "aeon-20230930x10q.htm")

    # "September 30, 2023" under ixt:datemonthdayyearen; the type is in a nested span
    assert cover == {
        "DocumentType": "10-Q",
        "DocumentPeriodEndDate": "2023-09-30",
        "DocumentFiscalYearFocus": "2023",
        "DocumentFiscalPeriodFocus": "Q3",
        "AmendmentFlag": "false",
    }


def test_the_cover_page_of_an_instance_document() -> None:
    cover = read_cover_facts(SAMPLE_SEC / "ba-10k-2023-12-31" / "ba-20231231_htm.xml")

    assert (cover["DocumentType"], cover["DocumentPeriodEndDate"]) == ("10-K", "2023-12-31")
    assert (cover["DocumentFiscalYearFocus"], cover["DocumentFiscalPeriodFocus"]) == (
        "2023",
        "FY",
    )


def test_a_package_whose_form_ends_in_a_is_an_amendment_whatever_the_flag(
    tmp_path: Path,
) -> None:
    package = aeon_package(tmp_path)
    sidecar = package / "filing.json"
    sidecar.write_text(sidecar.read_text().replace('"10-Q"', '"10-Q/A"'), encoding="utf-8")

    identity = package_identity(describe_package(package))

    assert identity is not None and not identity.same_report(AEON_Q3)
    assert (identity.form, identity.is_amendment) == ("10-Q/A", True)  # the flag says false
    assert read_cover_facts(package / "aeon-20230930x10q.htm")["AmendmentFlag"] == "false"


def test_a_package_without_filing_json_is_the_same_report(tmp_path: Path) -> None:
    package = aeon_package(tmp_path)
    stated = package_identity(describe_package(package))
    (package / "filing.json").unlink()

    info = describe_package(package)

    assert (info.form, info.source_unit) == (None, AEON_UNIT)  # form and CIK from the document
    assert package_identity(info) == stated == AEON_Q3


def test_same_report_needs_form_period_and_amendment_flag_fiscal_focus_where_stated() -> None:
    assert AEON_Q3.same_report(ReportIdentity(1837607, "10-Q", date(2023, 9, 30)))
    assert not AEON_Q3.same_report(ReportIdentity(1837607, "10-Q", date(2023, 6, 30)))
    assert not AEON_Q3.same_report(ReportIdentity(1837607, "10-Q/A", date(2023, 9, 30)))
    amended = ReportIdentity(1837607, "10-Q", date(2023, 9, 30), is_amendment=True)
    assert not AEON_Q3.same_report(amended)
    assert not AEON_Q3.same_report(ReportIdentity(1837607, "10-Q", date(2023, 9, 30), 2024))
    assert not AEON_Q3.same_report(ReportIdentity(1, "10-Q", date(2023, 9, 30), 2023, "Q3"))


def test_a_changed_copy_of_a_held_report_is_refused_and_nothing_is_written(
    tmp_path: Path, store: LocalObjectStore
) -> None:
    package = aeon_package(tmp_path / "source", cash="16,178")

    filings, rejected, folders = stage_source_folder(
        store,
        tmp_path / "source",
        reports_of=_held,
        delete_command="ledgergraph delete-source --home /h",
    )

    assert (filings, folders, list(store.list_keys("raw/"))) == ([], {}, [])
    [refused] = rejected
    unit = describe_package(package).source_unit
    assert unit != AEON_UNIT
    assert (refused.folder, refused.source_unit, refused.status) == (package, unit, "failed")
    assert refused.error_type == "PackageConflict"
    assert refused.reason == (
        f"package folder {AEON}: the graph already holds this report (10-Q of CIK 1837607 "
        f"for the period ending 2023-09-30, fiscal 2023 Q3) as {AEON_UNIT}, from another "
        "package; nothing was changed. A package without an accession number is known by "
        "its content, so this one would load as a second filing. To load it instead: "
        f"ledgergraph delete-source --home /h {AEON_UNIT}, then run again; if it is "
        "another filing, give its accession number in filing.json"
    )


def test_the_held_package_itself_is_run_again(tmp_path: Path, store: LocalObjectStore) -> None:
    package = aeon_package(tmp_path / "source")

    filings, rejected, folders = stage_source_folder(
        store, tmp_path / "source", loaded_of=lambda units: set(units), reports_of=_held
    )

    assert [f.source_unit for f in filings] == [AEON_UNIT] and not rejected
    assert folders == {AEON_UNIT: package}


def test_a_package_of_another_registrant_without_accession_goes_on(
    tmp_path: Path, store: LocalObjectStore
) -> None:
    aeon_package(tmp_path / "source", cash="16,178")
    tesla = tmp_path / "source" / "tsla-10q-2024-06-30"
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", tesla)
    (tesla / "filing.json").unlink()

    def held(ciks: set[int]) -> list[HeldReport]:
        assert ciks == {1837607, 1318605}
        return [HeldReport(AEON_UNIT, AEON_Q3)]

    filings, rejected, _ = stage_source_folder(store, tmp_path / "source", reports_of=held)

    [filing] = filings
    assert (filing.cik, filing.entry_point) == (1318605, "tsla-20240630_htm.xml")
    assert filing.source_unit.startswith("sha256-")
    assert [r.folder.name for r in rejected] == [AEON]
    assert {key.split("/")[2] for key in store.list_keys("raw/")} == {"1318605"}


def test_two_packages_of_one_report_in_one_run_load_once(
    tmp_path: Path, store: LocalObjectStore
) -> None:
    aeon_package(tmp_path / "source", "a-original")
    edited = aeon_package(tmp_path / "source", "b-edited", cash="16,178")

    filings, rejected, _ = stage_source_folder(store, tmp_path / "source")

    assert [f.source_unit for f in filings] == [AEON_UNIT]
    [refused] = rejected
    assert (refused.folder, refused.error_type) == (edited, "PackageConflict")
    assert refused.reason == (
        "package folder b-edited: same report (10-Q of CIK 1837607 for the period ending "
        "2023-09-30, fiscal 2023 Q3) as folder a-original, another package of it; not "
        "loaded twice: if it is another filing, give its accession number in filing.json"
    )


def test_a_package_with_an_accession_number_is_known_by_it(
    tmp_path: Path, store: LocalObjectStore
) -> None:
    package = aeon_package(tmp_path / "source", cash="16,178")
    sidecar = json.loads((package / "filing.json").read_text())
    sidecar["accession_number"] = "0001837607-23-000099"  # not AEON's real one: unknown
    (package / "filing.json").write_text(json.dumps(sidecar))

    filings, rejected, _ = stage_source_folder(store, tmp_path / "source", reports_of=_held)

    assert [f.source_unit for f in filings] == ["0001837607-23-000099"] and not rejected


def test_a_document_cut_short_fails_its_package_naming_the_file(
    tmp_path: Path, store: LocalObjectStore
) -> None:
    package = aeon_package(tmp_path / "source")
    document = package / "aeon-20230930x10q.htm"
    document.write_bytes(document.read_bytes()[:200_000])

    filings, rejected, _ = stage_source_folder(store, tmp_path / "source", reports_of=_held)

    [refused] = rejected
    assert filings == [] and list(store.list_keys("raw/")) == []
    assert (refused.folder, refused.error_type) == (package, "FilingError")
    assert refused.reason.startswith(f"{document}: not well-formed XML: ")

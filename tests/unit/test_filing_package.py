"""Describing filing package folders: entry point, format, CIK and source unit."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from ledgergraph.errors import FilingError
from ledgergraph.filing_package import describe_package, scan_cik

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"


def copy_package(name: str, target: Path, *, sidecar: bool = False) -> Path:
    """A copy of a bundled package (instance documents and schema only, for speed)."""
    source = SAMPLE_SEC / name
    target.mkdir(parents=True)
    for path in source.iterdir():
        keep = path.suffix in (".xsd", ".htm") or path.name.endswith("_htm.xml")
        if keep or (sidecar and path.name == "filing.json"):
            shutil.copy(path, target / path.name)
    return target


BUNDLED = {
    # name: (entry point, CIK, accession, form), as the shared data README states them
    "ba-10k-2023-12-31": ("ba-20231231_htm.xml", 12927, "0000012927-24-000010", "10-K"),
    "aapl-10k-2023-09-30": (
        "aapl-20230930_htm.xml",
        320193,
        "0000320193-23-000106",
        "10-K",
    ),
    "tsla-10q-2024-06-30": (
        "tsla-20240630_htm.xml",
        1318605,
        "0001628280-24-032662",
        "10-Q",
    ),
    "amzn-10k-2022-12-31": (
        "amzn-20221231_htm.xml",
        1018724,
        "0001018724-23-000004",
        "10-K",
    ),
}


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_packages_are_described_from_their_sidecar(name: str) -> None:
    entry_point, cik, accession, form = BUNDLED[name]
    info = describe_package(SAMPLE_SEC / name)
    assert (info.entry_point, info.is_inline, info.cik) == (entry_point, False, cik)
    assert info.source_unit == info.accession_number == accession
    assert info.form == form
    assert "filing.json" in info.files and entry_point in info.files


def test_a_package_without_accession_is_named_by_its_entry_point_hash() -> None:
    info = describe_package(SAMPLE_SEC / "aeon-10q-2023-09-30")
    digest = hashlib.sha256(info.entry_path.read_bytes()).hexdigest()
    assert info.accession_number is None
    assert info.source_unit == f"sha256-{digest[:24]}"
    assert info.is_inline and info.cik == 1837607


def test_without_sidecar_the_extracted_instance_and_its_cik_are_found(
    tmp_path: Path,
) -> None:
    folder = copy_package("ba-10k-2023-12-31", tmp_path / "ba")
    info = describe_package(folder)
    assert (info.entry_point, info.is_inline, info.cik) == (
        "ba-20231231_htm.xml",
        False,
        12927,
    )
    assert info.accession_number is None and info.source_unit.startswith("sha256-")
    assert info.form is None


def test_without_sidecar_an_inline_document_is_found(tmp_path: Path) -> None:
    folder = copy_package("aeon-10q-2023-09-30", tmp_path / "aeon")
    info = describe_package(folder)
    assert (info.entry_point, info.is_inline, info.cik) == (
        "aeon-20230930x10q.htm",
        True,
        1837607,
    )
    assert info.source_unit == describe_package(SAMPLE_SEC / "aeon-10q-2023-09-30").source_unit


def test_a_classic_instance_is_told_apart_from_linkbases(tmp_path: Path) -> None:
    source = SAMPLE_SEC / "tsla-10q-2024-06-30"
    folder = tmp_path / "tsla"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("filing.json"))
    (folder / "tsla-20240630_htm.xml").rename(folder / "tsla-20240630.xml")
    info = describe_package(folder)
    assert info.entry_point == "tsla-20240630.xml"
    assert info.cik == 1318605


def test_scan_cik_reads_the_first_sec_identifier() -> None:
    assert scan_cik(SAMPLE_SEC / "amzn-10k-2022-12-31" / "amzn-20221231_htm.xml") == 1018724


def test_an_empty_folder_is_a_filing_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FilingError, match=str(tmp_path)):
        describe_package(tmp_path)


def test_a_missing_folder_is_a_filing_error(tmp_path: Path) -> None:
    with pytest.raises(FilingError, match="is not a folder"):
        describe_package(tmp_path / "nothing")


def test_a_sidecar_naming_a_missing_entry_point_is_an_error(tmp_path: Path) -> None:
    folder = copy_package("tsla-10q-2024-06-30", tmp_path / "tsla")
    (folder / "filing.json").write_text(json.dumps({"entry_point": "gone_htm.xml", "cik": 1}))
    with pytest.raises(FilingError) as raised:
        describe_package(folder)
    assert str(raised.value) == (
        f"filing package {folder}: entry point gone_htm.xml named in filing.json is not in "
        "the folder"
    )


@pytest.mark.parametrize("named", ["../../../etc/passwd", "sub/tsla-20240630_htm.xml"])
def test_a_sidecar_naming_a_path_outside_its_folder_says_so(tmp_path: Path, named: str) -> None:
    folder = copy_package("tsla-10q-2024-06-30", tmp_path / "tsla")
    (folder / "filing.json").write_text(json.dumps({"entry_point": named, "cik": 1}))
    with pytest.raises(FilingError) as raised:
        describe_package(folder)
    assert str(raised.value) == (
        f"filing package {folder}: entry point {named!r} named in filing.json is not a file "
        "name: it must be one of the package folder's own files"
    )


def test_a_bad_accession_in_the_sidecar_is_an_error(tmp_path: Path) -> None:
    folder = copy_package("tsla-10q-2024-06-30", tmp_path / "tsla")
    (folder / "filing.json").write_text(json.dumps({"accession_number": "12-34"}))
    with pytest.raises(FilingError, match="not an accession number"):
        describe_package(folder)


def test_sidecar_fields_of_the_wrong_type_are_named_one_line_each(tmp_path: Path) -> None:
    folder = copy_package("tsla-10q-2024-06-30", tmp_path / "tsla")
    (folder / "filing.json").write_text(json.dumps({"cik": "TSLA", "registration": {"sic": []}}))

    with pytest.raises(FilingError) as raised:
        describe_package(folder)

    assert str(raised.value) == (
        f"filing package {folder}: filing.json: cik: Input should be a valid integer, unable "
        "to parse string as an integer (got 'TSLA'); registration.sic: Input should be a "
        "valid string (got [])"
    )  # no pydantic help URL, no line breaks


def test_a_sidecar_that_is_not_json_is_named(tmp_path: Path) -> None:
    folder = copy_package("tsla-10q-2024-06-30", tmp_path / "tsla")
    (folder / "filing.json").write_text("{cik: 1318605")
    with pytest.raises(FilingError, match=r"tsla: unreadable filing.json: Expecting property"):
        describe_package(folder)


def test_two_candidate_instances_are_an_error_naming_both(tmp_path: Path) -> None:
    folder = copy_package("tsla-10q-2024-06-30", tmp_path / "tsla")
    shutil.copy(folder / "tsla-20240630_htm.xml", folder / "other_htm.xml")
    with pytest.raises(FilingError, match="other_htm.xml, tsla-20240630_htm.xml"):
        describe_package(folder)


def test_a_document_without_cik_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "nocik"
    folder.mkdir()
    (folder / "x_htm.xml").write_text(
        '<xbrl xmlns="http://www.xbrl.org/2003/instance"><context id="c"><entity>'
        '<identifier scheme="http://example.com">1</identifier></entity></context></xbrl>'
    )
    with pytest.raises(FilingError, match="no CIK"):
        describe_package(folder)

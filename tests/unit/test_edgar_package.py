"""Choosing a filing's XBRL files and entry point; unpacking EDGAR's zip safely."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from test_edgar_cases import EDGAR_DATA, SEC_PACKAGES

from ledgergraph.edgar.errors import FilingPackageError, InvalidIdentifier
from ledgergraph.edgar.package import (
    dts_names,
    inline_candidates,
    instance_candidates,
    pick_entry_point,
    unzip_package,
    xbrl_zip_name,
)
from ledgergraph.edgar.urls import check_accession, check_cik, check_file_name, plain_accession

DATCHAT_LISTING = EDGAR_DATA / "filing-index" / "1648960-0001213900-24-004875-index.json"


def datchat_names() -> list[str]:
    listing = json.loads(DATCHAT_LISTING.read_text())
    return [item["name"] for item in listing["directory"]["item"]]


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_real_8k_folder_yields_its_zip_dts_and_instance() -> None:
    names = datchat_names()

    assert len(names) == 25
    assert xbrl_zip_name(names) == "0001213900-24-004875-xbrl.zip"
    assert dts_names(names) == [
        "dats-20240116.xsd",
        "dats-20240116_def.xml",
        "dats-20240116_lab.xml",
        "dats-20240116_pre.xml",
    ]
    assert instance_candidates(names) == ["ea191807-8k_datchat_htm.xml"]
    assert inline_candidates(names, "ea191807-8k_datchat.htm") == ["ea191807-8k_datchat.htm"]
    assert "R1.htm" not in inline_candidates(names, None)
    assert "FilingSummary.xml" not in instance_candidates([n for n in names if "_htm" not in n])


@pytest.mark.parametrize(
    "folder",
    sorted(p.name for p in SEC_PACKAGES.iterdir() if (p / "filing.json").is_file()),
)
def test_entry_point_of_each_bundled_package_matches_its_sidecar(folder: str) -> None:
    package = SEC_PACKAGES / folder
    files = {p.name: p.read_bytes() for p in package.iterdir() if p.name != "filing.json"}
    expected = json.loads((package / "filing.json").read_text())["entry_point"]

    assert pick_entry_point(files) == expected


def test_a_schema_alone_has_no_entry_point() -> None:
    xsd = next(SEC_PACKAGES.glob("*/*.xsd"))

    assert pick_entry_point({xsd.name: xsd.read_bytes()}) is None


def test_zip_members_are_unpacked_flat() -> None:
    data = zip_of({"a-20240101.xsd": b"<schema/>", "a-20240101_htm.xml": b"<xbrl/>"})

    files = unzip_package(data, max_bytes=1_000, label="filing x")

    assert files == {"a-20240101.xsd": b"<schema/>", "a-20240101_htm.xml": b"<xbrl/>"}


@pytest.mark.parametrize("name", ["../evil.xsd", "sub/dir.xml", "/abs.xml", ".hidden.xml"])
def test_zip_members_with_paths_are_refused(name: str) -> None:
    with pytest.raises(FilingPackageError, match="unsafe file name"):
        unzip_package(zip_of({name: b"<x/>"}), max_bytes=1_000, label="filing x")


def test_a_zip_that_unpacks_too_big_is_refused_before_unpacking() -> None:
    data = zip_of({"big_htm.xml": b"0" * 10_000})

    with pytest.raises(FilingPackageError, match="over 5000 bytes"):
        unzip_package(data, max_bytes=5_000, label="filing x")


def test_a_broken_zip_is_a_package_error() -> None:
    with pytest.raises(FilingPackageError, match="not a valid archive"):
        unzip_package(b"PK\x03\x04 truncated", max_bytes=1_000, label="filing x")


def test_identifiers_in_both_forms() -> None:
    assert check_accession("000032019323000106") == "0000320193-23-000106"
    assert plain_accession("0000320193-23-000106") == "000032019323000106"
    assert check_cik("0000320193") == check_cik(320193) == 320193
    for bad_cik in ("0", "-5", "12345678901", "abc"):
        with pytest.raises(InvalidIdentifier):
            check_cik(bad_cik)
    with pytest.raises(InvalidIdentifier):
        check_accession("0000320193-23-00010")
    with pytest.raises(InvalidIdentifier):
        check_file_name("..")

"""Put local filing packages into the raw store, the way the download step would.

``ledgergraph sec run --source DIR`` takes a folder of filing packages (one sub-folder per
filing, or a single package folder) and copies each into ``raw/sec/{cik}/{source_unit}/``
before the state machine starts, so the pipeline reads filings from the object store
whatever their origin.

The raw store holds exactly the package given: a package equal to the stored one (same
file names, same sha256) is left as it is; one that differs replaces the stored package
wholly, files it no longer has removed, unless its source unit is already loaded in the
graph. A loaded unit's data is fixed (the graph node refuses other content for it), so
such a package is refused before anything is written, naming the ``delete-source``
command that makes room for it. A package without an accession number is known by the
sha256 of its entry point, so any edit gives it a unit of its own: it is refused the same
way when its cover page names a report the graph holds under another unit
(``report_identity``). The download record (``download.json``) is no part of a package,
as two downloads of one filing differ in it: a package that differs in it alone is the
stored one (it runs; a loaded unit's package is left as it was loaded, record and all).

Two folders may give one filing (one accession number, or one entry point's sha256). With
the same files (a download record aside), the first (by folder name) is run and the
others are duplicates, but a folder equal to the stored package, record too, comes first.
With other files, the graph decides when it holds the filing: the folder equal to the stored
package is run, each other one is refused as above. When it does not, no folder of the
filing is run: the run cannot tell which package is meant, and a loaded filing's data
could only be changed with ``delete-source``, so each fails, naming another folder and
the first file they differ in, and the user keeps the one wanted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ledgergraph.batches import FilingRef, raw_package_prefix
from ledgergraph.edgar.download import DOWNLOAD_RECORD
from ledgergraph.errors import PermanentError
from ledgergraph.filing_package import PackageInfo, describe_package
from ledgergraph.messages import first_named
from ledgergraph.objectstore import LocalObjectStore
from localrun.errors import NoFilingPackage
from localrun.package_repeats import first_difference, same_file, sort_repeats
from localrun.report_identity import HeldReport, ReportIdentity, package_identity

_NAMED = 3
# What a package's files end with: documents, schema, linkbases, the filing.json sidecar.
_DOCUMENT_SUFFIXES = (".xml", ".htm", ".html", ".xhtml")
_PACKAGE_SUFFIXES = (*_DOCUMENT_SUFFIXES, ".xsd", ".json")


@dataclass(frozen=True)
class RejectedPackage:
    """A folder that is not a usable filing package, or may not be loaded, and why."""

    folder: Path
    reason: str
    status: str = "failed"
    source_unit: str | None = None
    error_type: str = "FilingError"
    package: PackageInfo | None = None  # what the folder holds, when it could be described
    # the loaded source unit whose earlier load the graph keeps in this package's stead
    kept_unit: str | None = None


@dataclass(frozen=True)
class PackageDiff:
    """How a given package differs from the one stored for its source unit.

    The download record (``download.json``) is no part of a package: two downloads of one
    filing differ in it (the time of each), so ``record`` says apart whether the given one
    differs from the stored one, and a diff with only that is false (the same package).
    """

    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # stored, not in the given package
    added: tuple[str, ...] = ()  # given, not stored
    record: bool = False  # a given download record that the stored one is not

    def __bool__(self) -> bool:
        return bool(self.changed or self.missing or self.added)

    def describe(self) -> str:
        """``changed a.xml; no longer has b.xml`` (a few names per kind)."""
        parts = [
            f"{label} {_names(names)}"
            for label, names in (
                ("changed", self.changed),
                ("no longer has", self.missing),
                ("adds", self.added),
            )
            if names
        ]
        return "; ".join(parts)


def find_package_folders(source: Path) -> list[Path]:
    """The package folders under ``source``: its sub-folders, or ``source`` itself.

    A folder with sub-folders is a folder of packages, whatever loose files sit beside them
    (a README, a listing); a folder without sub-folders is one package.

    Raises:
        NoFilingPackage: neither ``source`` nor any sub-folder holds a file a package
            could be made of (an empty folder, or one of notes and empty folders).
    """
    if not source.is_dir():
        raise PermanentError(f"source is not a folder: {source}")
    folders = _subfolders(source)
    candidates = folders or [source]
    if not any(_holds_package_files(folder) for folder in candidates):
        raise NoFilingPackage(
            f"source folder {source} holds no filing package: give a folder of package "
            "folders, or one package folder, with the XBRL instance or inline document "
            "and its schema and linkbases"
        )
    if folders and not any(map(_holds_documents, folders)):
        # a folder one level too high (``sample_data`` for ``sample_data/sec``): every
        # sub-folder would fail as a package with no instance
        nested = [folder for folder in folders if any(map(_is_package, _subfolders(folder)))]
        if nested:
            given = "one of them" if len(nested) > 1 else str(nested[0])
            raise NoFilingPackage(
                f"source folder {source} holds no filing package, but "
                f"{', '.join(map(str, nested))} {'hold' if len(nested) > 1 else 'holds'} "
                f"folders of them: give --source {given}"
            )
    return candidates


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _is_package(folder: Path) -> bool:
    """Whether ``folder`` looks like a filing package: a document and a schema."""
    return _holds_documents(folder) and any(folder.glob("*.xsd"))


def _holds_documents(folder: Path) -> bool:
    """Whether ``folder`` has a file that could be an XBRL instance or inline document."""
    return any(
        path.suffix.lower() in _DOCUMENT_SUFFIXES
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".")
    )


def _holds_package_files(folder: Path) -> bool:
    """Whether ``folder`` has a file of the kinds a filing package is made of."""
    return any(
        path.suffix.lower() in _PACKAGE_SUFFIXES
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".")
    )


def compare_package(store: LocalObjectStore, info: PackageInfo) -> PackageDiff | None:
    """How ``info``'s package differs from the stored one; None when none is stored.

    The download step's record (``download.json``) is compared apart (``record``): a
    stored one counts only when the given folder has one too.
    """
    prefix = raw_package_prefix(info.cik, info.source_unit)
    stored = {key.removeprefix(prefix): key for key in store.list_keys(prefix)}
    if not stored:
        return None
    stored_record = stored.pop(DOWNLOAD_RECORD, None)
    given = set(info.files) - {DOWNLOAD_RECORD}
    record = DOWNLOAD_RECORD in info.files and (
        stored_record is None
        or not same_file(info.folder / DOWNLOAD_RECORD, store.path(stored_record))
    )
    changed = tuple(
        name
        for name in sorted(given & stored.keys())
        if not same_file(info.folder / name, store.path(stored[name]))
    )
    missing = tuple(sorted(stored.keys() - given))
    added = tuple(sorted(given - stored.keys()))
    return PackageDiff(changed, missing, added, record=record)


def stage_package(store: LocalObjectStore, info: PackageInfo) -> FilingRef:
    """Make the raw store hold exactly this package; returns its reference for the run.

    Files are copied (each write atomic) before stale ones are deleted, so an interrupted
    copy leaves no file of the package missing; the next run finishes the job.
    """
    prefix = raw_package_prefix(info.cik, info.source_unit)
    for name in info.files:
        store.put_file(prefix + name, info.folder / name)
    keep = {prefix + name for name in info.files}
    for key in list(store.list_keys(prefix)):
        if key not in keep:
            store.delete(key)
    return filing_ref(info)


def filing_ref(info: PackageInfo) -> FilingRef:
    """The state machine's reference to a package staged under its source unit."""
    return FilingRef(
        source_unit=info.source_unit,
        cik=info.cik,
        package_prefix=raw_package_prefix(info.cik, info.source_unit),
        entry_point=info.entry_point,
        form=info.form,
    )


def stage_source_folder(
    store: LocalObjectStore,
    source: Path,
    *,
    loaded_of: Callable[[list[str]], Collection[str]] = lambda units: (),
    reports_of: Callable[[set[int]], Sequence[HeldReport]] = lambda ciks: (),
    delete_command: str = "ledgergraph delete-source",
) -> tuple[list[FilingRef], list[RejectedPackage], dict[str, Path]]:
    """Stage every package under ``source``.

    ``loaded_of`` names which of the given source units the graph already holds, and
    ``reports_of`` the reports it holds of the given registrants (each asked once at
    most); ``delete_command`` is how the user removes one (with the run's --home and
    --graph), for the refusal. Returns the filings to run, the folders not run (not a
    package, a repeat of another folder's filing and files, one of several folders giving
    a filing not loaded with other files, a package that differs from a loaded unit's, or
    a package without an accession number whose report the graph or an earlier folder
    holds: nothing of these is written), and the folder of each filing's unit.
    """
    rejected: list[RejectedPackage] = []
    given: dict[str, list[PackageInfo]] = {}
    found = find_package_folders(source)
    for folder in found:
        try:
            info = describe_package(folder)
        except PermanentError as exc:
            rejected.append(RejectedPackage(folder, str(exc)))
            continue
        given.setdefault(info.source_unit, []).append(info)

    loaded = loaded_of(list(given))
    packages: dict[str, list[PackageInfo]] = {}
    for unit, infos in given.items():
        # only a filing given by several folders needs to know if its package is stored
        stored = len(infos) > 1 and any(store.list_keys(raw_package_prefix(infos[0].cik, unit)))
        if stored:
            infos = _stored_first(store, infos)
        distinct, repeats = _sort_repeats(infos, loaded=unit in loaded, stored=stored)
        rejected.extend(repeats)
        if distinct:
            packages[unit] = distinct
    every = [info for infos in packages.values() for info in infos]
    refusals = _same_reports(every, loaded, reports_of, delete_command)
    rejected.extend(refusals)
    refused = {refusal.folder for refusal in refusals}
    left = [info for info in every if info.folder not in refused]
    filings, folders = _stage_packages(store, left, loaded, rejected, delete_command)
    order = {folder: n for n, folder in enumerate(found)}
    rejected.sort(key=lambda package: order.get(package.folder, len(order)))  # as given
    return filings, rejected, folders


def _stage_packages(
    store: LocalObjectStore,
    packages: list[PackageInfo],
    loaded: Collection[str],
    rejected: list[RejectedPackage],
    command: str,
) -> tuple[list[FilingRef], dict[str, Path]]:
    """Stage each package but one that differs from its loaded unit's (added to
    ``rejected``); returns the filings to run and the folder of each one's unit."""
    filings: list[FilingRef] = []
    folders: dict[str, Path] = {}
    for info in packages:
        diff = compare_package(store, info)
        if diff and info.source_unit in loaded:
            rejected.append(_refusal(info, diff, command))
            continue
        # None: nothing stored; an empty diff: the package stored, nothing to copy but a
        # new download record, and that only while the graph holds nothing of the unit
        # (a loaded unit's package is left as it was loaded)
        same = diff is not None and not diff
        if same and (info.source_unit in loaded or not diff.record):
            filings.append(filing_ref(info))
        else:
            filings.append(stage_package(store, info))
        folders[info.source_unit] = info.folder
    return filings, folders


def _sort_repeats(
    infos: list[PackageInfo], *, loaded: bool, stored: bool
) -> tuple[list[PackageInfo], list[RejectedPackage]]:
    """The packages of one filing (one source unit) worth comparing with the stored one,
    and the folders not run: each repeat of an earlier folder's files is a duplicate.

    Packages of other files are all refused (``PackageConflict``) unless the filing is
    ``loaded`` and its package ``stored``: the stored package then tells which one is the
    filing, and each is returned for that comparison.
    """
    distinct, twins = sort_repeats(infos)
    if len(distinct) > 1 and not (loaded and stored):
        kept = infos[0].source_unit if loaded else None
        return [], [_conflict(info, distinct, kept) for info in infos]
    return distinct, [_duplicate(info, first) for info, first in twins]


def _stored_first(store: LocalObjectStore, infos: list[PackageInfo]) -> list[PackageInfo]:
    """The folders of one filing, the one equal to the stored package first (its download
    record too), then those that differ from it in their download record alone, then the
    rest, each kind in folder order: of folders with the same files, the first is run and
    the others are its duplicates, so a rerun runs the very package stored."""

    def rank(info: PackageInfo) -> int:
        diff = compare_package(store, info)
        if diff is None or diff:
            return 2
        return 1 if diff.record else 0

    return sorted(infos, key=rank)


def _duplicate(info: PackageInfo, first: PackageInfo) -> RejectedPackage:
    reason = (
        f"same filing ({info.source_unit}) and the same files as folder "
        f"{first.folder.name}; not loaded twice"
    )
    return RejectedPackage(info.folder, reason, status="duplicate", package=info)


def _conflict(
    info: PackageInfo, distinct: list[PackageInfo], kept_unit: str | None
) -> RejectedPackage:
    """The refusal of a folder that gives a filing another folder of the run gives with
    other files, naming the first such folder and the first file they differ in."""
    unit = info.source_unit
    other, difference = next(
        (d, why) for d in distinct if (why := first_difference(info, d)) is not None
    )
    reason = (
        f"folders {info.folder.name} and {other.folder.name} both give filing {unit}, "
        f"with other files ({difference}); no folder of it was run and nothing was "
        "written. Leave only the package to load in the source folder, then run again"
    )
    return RejectedPackage(
        info.folder, reason, source_unit=unit, error_type="PackageConflict", package=info,
        kept_unit=kept_unit,
    )  # fmt: skip


def _refusal(info: PackageInfo, diff: PackageDiff, command: str) -> RejectedPackage:
    unit = info.source_unit
    reason = (
        f"filing {unit} is already loaded from another package ({diff.describe()}); "
        f"nothing was changed. To load this package instead: {command} {unit}, "
        "then run again"
    )
    return RejectedPackage(
        info.folder, reason, source_unit=unit, error_type="PackageConflict", package=info,
        kept_unit=unit,
    )  # fmt: skip


def _same_reports(
    packages: list[PackageInfo],
    loaded: Collection[str],
    reports_of: Callable[[set[int]], Sequence[HeldReport]],
    command: str,
) -> list[RejectedPackage]:
    """Refuse each package without an accession number, not loaded itself, whose report
    the graph holds under another unit or an earlier folder of the run gives.

    Only a package whose registrant has another report to compare with has its cover
    page read, so an unrelated package is not read before its run.
    """
    unnamed = [p for p in packages if not (p.accession_number or p.source_unit in loaded)]
    if not unnamed:
        return []
    held = list(reports_of({p.cik for p in unnamed}))
    per_cik = Counter(p.cik for p in unnamed) + Counter(r.identity.cik for r in held)
    given: list[tuple[PackageInfo, ReportIdentity]] = []
    refusals: list[RejectedPackage] = []
    for info in unnamed:
        if per_cik[info.cik] < 2:
            continue  # nothing else of this registrant to compare with
        try:
            identity = package_identity(info)
        except PermanentError as exc:
            unit = info.source_unit
            refusals.append(RejectedPackage(info.folder, str(exc), source_unit=unit))
            continue
        if identity is None:
            continue  # no form or period of report stated: nothing tells the report
        refusal = _refusal_of_same_report(info, identity, held, given, command)
        if refusal is None:
            given.append((info, identity))
        else:
            refusals.append(refusal)
    return refusals


def _refusal_of_same_report(
    info: PackageInfo,
    identity: ReportIdentity,
    held: Sequence[HeldReport],
    given: Sequence[tuple[PackageInfo, ReportIdentity]],
    command: str,
) -> RejectedPackage | None:
    """The refusal of a package whose report is held or given already, else None."""
    unit = info.source_unit
    report = identity.describe()
    other_filing = "if it is another filing, give its accession number in filing.json"
    # the summary's line shows the CIK and the form the document states on its cover page
    described = info.model_copy(update={"form": info.form or identity.form})
    refused = partial(RejectedPackage, info.folder, source_unit=unit,
                      error_type="PackageConflict", package=described)  # fmt: skip
    for held_report in held:
        if held_report.source_unit != unit and held_report.identity.same_report(identity):
            loaded = held_report.source_unit
            reason = (
                f"package folder {info.folder.name}: the graph already holds this report "
                f"({report}) as {loaded}, from another package; nothing was changed. "
                "A package without an accession number is known by its content, so this "
                f"one would load as a second filing. To load it instead: {command} "
                f"{loaded}, then run again; {other_filing}"
            )
            return refused(reason, kept_unit=loaded)
    for first, first_identity in given:
        if first_identity.same_report(identity):
            reason = (
                f"package folder {info.folder.name}: same report ({report}) as folder "
                f"{first.folder.name}, another package of it; not loaded twice: "
                f"{other_filing}"
            )
            return refused(reason)
    return None


def _names(names: tuple[str, ...]) -> str:
    return first_named(names, _NAMED)

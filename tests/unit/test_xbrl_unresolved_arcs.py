"""Arcs linking a concept of a schema not in the taxonomy cache: counted, and walked.

The bundled cache has no ecd, exch or sic schema, nor stpr 2023, so an arc to or from one of
their concepts cannot be an Arc node. Each filing's manifest counts them per schema, each
Network per role, and the arcs kept sit at their depth in the tree as filed.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from xbrl_samples import SAMPLE_SEC, BatchRun, EditedRun, run_edited, sample_batch_run

from xbrl_task.dts_rows import ARCS_NOT_LOADED, _emptied

XLINK, LINK = "{http://www.w3.org/1999/xlink}", "{http://www.xbrl.org/2003/linkbase}"
OFFLINE = re.compile(r"^https://xbrl\.sec\.gov/(ecd|exch|sic|stpr)/")
LINKS = ("presentationLink", "calculationLink", "definitionLink")
APPLE = "aapl-10k-2023-09-30"


@pytest.fixture(scope="module")
def bundled() -> BatchRun:
    return sample_batch_run()


def filed_arcs(package: str, kinds: tuple[str, ...] = LINKS) -> list[tuple[str, str, str]]:
    """(role, from href, to href) of every arc of the package's network linkbases, one per
    pair of locators its labels name, read with lxml alone."""
    found = []
    for path in sorted((SAMPLE_SEC / package).glob("*_[cdp][aer][lfe].xml")):
        for kind in kinds:
            for link in etree.parse(str(path)).getroot().iter(f"{LINK}{kind}"):
                locs: dict[str, list[str]] = {}
                for loc in link.iter(f"{LINK}loc"):
                    locs.setdefault(loc.get(f"{XLINK}label"), []).append(loc.get(f"{XLINK}href"))
                for arc in link:
                    if not isinstance(arc.tag, str) or arc.get(f"{XLINK}type") != "arc":
                        continue
                    found += [(link.get(f"{XLINK}role"), a, b)
                              for a in locs[arc.get(f"{XLINK}from")]
                              for b in locs[arc.get(f"{XLINK}to")]]  # fmt: skip
    return found


def _offline(arc: tuple[str, str, str]) -> str | None:
    """The offline schema (ecd ...) one end of the arc is in, None when both are cached."""
    schemas = [OFFLINE.match(href) for href in arc[1:]]
    return next((m.group(1) for m in schemas if m), None)


@pytest.mark.parametrize(
    ("name", "lost"),
    [
        (APPLE, {"ecd": 95}),
        ("ba-10k-2023-12-31", {"ecd": 91, "sic": 2, "stpr": 2}),
        ("tsla-10q-2024-06-30", {"ecd": 95, "exch": 2}),
        ("amzn-10k-2022-12-31", {}),
        ("aeon-10q-2023-09-30", {}),
    ],
)
def test_each_arc_to_a_schema_not_cached_is_counted_in_manifest_and_network(
    bundled: BatchRun, name: str, lost: dict[str, int]
) -> None:
    expected = Counter(s for s in map(_offline, filed_arcs(name)) if s is not None)
    assert expected == lost
    warned = {
        re.search(r"/(\w+)/\d{4}/\S+\.xsd", w).group(1): int(w.split()[3])
        for w in bundled.manifest(name).warnings_to_act_on
        if w.startswith(f"{ARCS_NOT_LOADED}: ")
    }
    assert warned == lost
    networks = bundled.table(name, "Network").to_pylist()
    assert sum(n["arcs_not_loaded"] for n in networks) == sum(lost.values())


def test_apples_ecd_roles_are_networks_though_five_keep_no_arc(bundled: BatchRun) -> None:
    networks = bundled.table(APPLE, "Network").to_pylist()
    assert {n["role_uri"] for n in networks} == {role for role, _, _ in filed_arcs(APPLE)}
    with_arcs = {a["network"] for a in bundled.table(APPLE, "Arc").to_pylist()}
    lost = {n["role_uri"].rsplit("/", 1)[1]: (n["id"] in with_arcs, n["arcs_not_loaded"])
            for n in networks if n["arcs_not_loaded"]}  # fmt: skip
    assert lost == {
        "AwardTimingDisclosure": (True, 16),
        "ErrCompDisclosure": (False, 19),
        "IndividualsOnly": (False, 2),
        "InsiderTradingArrangements": (False, 18),
        "InsiderTradingPoliciesProc": (False, 2),
        "PvpDisclosure": (False, 38),
    }
    (warning,) = [w for w in bundled.manifest(APPLE).warnings_to_act_on
                  if w.startswith(ARCS_NOT_LOADED)]  # fmt: skip
    assert warning.startswith(
        f"{ARCS_NOT_LOADED}: 95 arcs of 6 networks link concepts of a schema not available "
        "offline, https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd; 5 of those networks keep no arc"
    )
    assert warning.endswith(
        "add the schema to a taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE), remove the filing "
        "(delete-source) and load it again"
    )


def test_the_networks_keeping_no_arc_are_counted_in_the_right_number() -> None:
    # Apple's ecd schema: 5 of 6 networks; Boeing's sic: its one network keeps arcs
    assert _emptied(5, 6) == "; 5 of those networks keep no arc"
    assert _emptied(1, 6) == "; 1 of those networks keeps no arc"
    assert _emptied(1, 1) == "; that network keeps no arc"
    assert _emptied(0, 1) == ""


def _filed_depths(package: str, role: str) -> dict[tuple[str, str], int]:
    """(from, to) as prefix:name -> depth of the arc's target in the role's presentation
    tree as filed (1 under a root); every concept of these trees has one parent."""

    def name(href: str) -> str:
        return href.split("#")[1].replace("_", ":", 1)

    arcs = [(name(a), name(b)) for r, a, b in filed_arcs(package, ("presentationLink",))
            if r == role]  # fmt: skip
    parents = dict((b, a) for a, b in arcs)
    assert len(parents) == len(arcs)

    def depth(concept: str) -> int:
        return 0 if concept not in parents else 1 + depth(parents[concept])

    return {(a, b): depth(b) for a, b in arcs}


def test_kept_arcs_of_a_network_that_lost_arcs_keep_their_depth_as_filed(
    bundled: BatchRun,
) -> None:
    networks = {n["id"]: n for n in bundled.table(APPLE, "Network").to_pylist()}
    role = "http://xbrl.sec.gov/ecd/role/AwardTimingDisclosure"
    (network,) = [n for n in networks.values() if n["role_uri"] == role]
    arcs = [a for a in bundled.table(APPLE, "Arc").to_pylist()
            if a["network"] == network["id"] and a["link_kind"] == "presentation"]  # fmt: skip
    depths = {(a["from_element"], a["to_element"]): a["depth"] for a in arcs}
    filed = _filed_depths(APPLE, role)
    assert depths == {pair: filed[pair] for pair in depths}
    axis = "us-gaap:AwardTypeAxis"
    assert depths[(axis, f"us-gaap:{'ShareBasedCompensationArrangementsByShareBasedPayment'}"
                         "AwardAwardTypeAndPlanNameDomain")] == 3  # fmt: skip
    assert len(depths) == 4 and min(depths.values()) == 3


def _embed_linkbases(target: Path, kinds: tuple[str, ...] = ("pre", "def")) -> Path:
    """A copy at ``target`` of Apple's 10-K whose presentation and definition linkbases
    sit in its schema's ``xs:annotation/xs:appinfo`` (as Corsair's 10-K files all its
    networks) instead of being files its schema refers to."""
    shutil.copytree(SAMPLE_SEC / APPLE, target)
    schema = target / "aapl-20230930.xsd"
    text = schema.read_text(encoding="utf-8")
    for kind in kinds:
        linkbase = target / f"aapl-20230930_{kind}.xml"
        body = linkbase.read_text(encoding="utf-8")
        embedded = body[body.index("<link:linkbase ") :].strip()
        ref = re.search(rf"\s*<link:linkbaseRef [^>]*aapl-20230930_{kind}\.xml[^>]*/>", text)
        assert ref is not None
        text = text[: ref.start()] + text[ref.end() :]
        text = text.replace("</xs:appinfo>", f"{embedded}\n    </xs:appinfo>", 1)
        linkbase.unlink()
    schema.write_text(text, encoding="utf-8")
    return target


def _arcs_and_networks(run: EditedRun) -> tuple[dict[str, dict], dict[str, dict]]:
    """The Arc and the Network rows of the run's Apple filing by id."""
    return tuple({row["id"]: row for row in run.rows("apple", table)}  # type: ignore[return-value]
                 for table in ("Arc", "Network"))  # fmt: skip


def test_links_embedded_in_the_schema_lose_and_count_the_same_arcs(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    filed = run_edited(
        tmp_path_factory.mktemp("filed"), {"apple": _copy_apple}, "xbrl_unresolved_arcs"
    )
    embedded = run_edited(
        tmp_path_factory.mktemp("embedded"), {"apple": _embed_linkbases}, "xbrl_unresolved_arcs"
    )
    assert filed.statuses == embedded.statuses == {"apple": "processed"}
    assert _arcs_and_networks(embedded) == _arcs_and_networks(filed)
    networks = embedded.rows("apple", "Network")
    assert sum(n["arcs_not_loaded"] for n in networks) == 95
    (warning,) = [w for w in embedded.manifest("apple").warnings_to_act_on
                  if w.startswith(ARCS_NOT_LOADED)]  # fmt: skip
    assert warning.startswith(f"{ARCS_NOT_LOADED}: 95 arcs of 6 networks link concepts ")


def _copy_apple(target: Path) -> Path:
    return Path(shutil.copytree(SAMPLE_SEC / APPLE, target))

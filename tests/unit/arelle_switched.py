"""Loading a filing twice in one Arelle session, with one of the adapter's patches of Arelle's
validation switched on and off, to compare what the two loads gave every element.

A patch (the context memo, the item fact path) takes an ``owns`` function that says whether
it may act on a model; ``Switch.owns`` answers True only while a load asked for the patch.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from xbrl_samples import SAMPLE_SEC

CACHE = SAMPLE_SEC.parent / "taxonomies" / "cache"


class Patch(Protocol):
    def start(self) -> None: ...


class Switch:
    """Whether the load under way asked for the patch."""

    def __init__(self) -> None:
        self.on = False

    def owns(self, _model: object) -> bool:
        return self.on


# load(entry, patched=...) -> (model, the patch's count, Arelle's messages but info)
Load = Callable[..., Any]


@contextmanager
def switched_loads(switch: Switch, patch: Patch, count: Callable[[], int]) -> Iterator[Load]:
    """A ``load`` context manager over one Arelle session; the session closes on exit."""
    from arelle.api.Session import Session

    session = Session()

    @contextmanager
    def load(entry: Path, *, patched: bool) -> Iterator[tuple[Any, int, list[tuple]]]:
        from arelle.RuntimeOptions import RuntimeOptions

        options = RuntimeOptions(
            entrypointFile=str(entry), workOffline=True, cacheDirectory=str(CACHE),
            disablePersistentConfig=True, keepOpen=True, logFile="logToBuffer",
            logLevel="INFO",
        )  # fmt: skip
        switch.on = patched
        patch.start()
        try:
            session.run(options)
        finally:
            switch.on = False
        logs = session.get_logs("json", clear_logs=True) or '{"log": []}'
        kept = [m for m in json.loads(logs)["log"] if m["level"] != "info"]  # "loaded in 1.2 s"
        messages = [(m["code"], m["message"]["text"]) for m in kept]
        model = session.get_models()[-1]
        try:
            yield model, count(), messages
        finally:
            for opened in list(session.get_models()):
                opened.modelManager.close(opened)

    try:
        yield load
    finally:
        session.close()


def entry_of(package: Path) -> Path:
    """The entry point of a filing package (its ``filing.json`` names it)."""
    return package / json.loads((package / "filing.json").read_text())["entry_point"]


def entry_of_copy(package: Path, folder: Path) -> Path:
    """The entry point of a copy of ``package`` made in ``folder``, for a test to edit."""
    return entry_of(Path(shutil.copytree(package, folder / package.name)))


def typed_values(model: object) -> list[tuple]:
    """(tag, xValid, xValue, sValue, typed attributes in order) of each element."""
    from arelle.ModelObject import ModelObject

    rows = []
    for element in model.modelDocument.xmlRootElement.iter():
        if not isinstance(element, ModelObject):
            continue
        items = (getattr(element, "xAttributes", None) or {}).items()
        typed = [(t, a.xValid, a.xValue, a.sValue, a.text, a.modelElement is element)
                 for t, a in items]  # fmt: skip
        rows.append((element.tag, getattr(element, "xValid", None),
                     getattr(element, "xValue", None), getattr(element, "sValue", None),
                     typed))  # fmt: skip
    return rows

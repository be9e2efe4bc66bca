"""Arelle plugin: the SEC inline transformation formats of ``sec_transforms`` for Arelle.

Arelle looks up a format outside the XBRL International registries in the model manager's
custom transforms, which plugins fill through the ``ModelManager.LoadCustomTransforms``
hook. Arelle's own command line loads this file as a plugin
(``arelleCmdLine --plugins /path/to/xbrl_task/arelle_plugin.py``); the worker's long-lived
session calls ``install_sec_transforms`` instead. Both use the same functions, so a fact gets
the same value from our pipeline and from Arelle's own exports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from arelle import FunctionIxt
from arelle.ModelValue import QName, qname

from xbrl_task.sec_transforms import SEC_TRANSFORMS, SEC_TRANSFORMS_NAMESPACE

PLUGIN_PATH = Path(__file__).resolve()


def load_sec_transforms(custom_transforms: dict[QName, Callable[[str], str]]) -> None:
    """Register every SEC format under its qualified name (``ixt-sec:numwordsen``...)."""
    for name, transform in SEC_TRANSFORMS.items():
        custom_transforms[qname(SEC_TRANSFORMS_NAMESPACE, f"ixt-sec:{name}")] = transform


# NOTE: a plain assignment: Arelle finds the plugin by parsing this file for it.
__pluginInfo__ = {
    "name": "ledgergraph SEC inline transforms",
    "version": "1.0",
    "description": "SEC inline XBRL transformation formats (ixt-sec) used by EDGAR filings.",
    "license": "Apache-2",
    "author": "ledgergraph",
    "copyright": "ledgergraph",
    "ModelManager.LoadCustomTransforms": load_sec_transforms,
}


def install_sec_transforms() -> None:
    """Make the SEC formats known to Arelle in this process, for every later load.

    NOTE: plugins given in ``RuntimeOptions.plugins`` only load on the first run of an
    ``arelle.api.Session`` (later runs fail in Arelle's plugin manager), so a long-lived
    session gets the formats through Arelle's table of transformation registries instead,
    where they then stay.
    """
    FunctionIxt.ixtNamespaceFunctions[SEC_TRANSFORMS_NAMESPACE] = dict(SEC_TRANSFORMS)

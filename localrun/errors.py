"""Errors of the local runtime (the pipeline's own errors live in ``ledgergraph.errors``)."""

from __future__ import annotations

from ledgergraph.errors import LedgerGraphError


class LocalRuntimeError(LedgerGraphError):
    """The local stand-in for an AWS service could not do its part."""


class GraphNodeStartError(LocalRuntimeError):
    """The graph node exited or did not answer /status in time; the message has its log."""


class ExecutionFailed(LocalRuntimeError):
    """A local state machine execution ended other than SUCCEEDED."""


class ExecutionTimeout(LocalRuntimeError):
    """A local execution did not finish within its time limit."""


class NoFilingPackage(LocalRuntimeError):
    """A ``--source`` folder holds nothing that could be a filing package."""


class UnknownConcept(LocalRuntimeError):
    """A concept given without its prefix names no concept with facts, or several."""


class NoFactsInGraph(LocalRuntimeError):
    """``facts`` or ``verify`` was pointed at a graph without the SEC data it reads (a
    company ledger's graph, or an empty one)."""

"""Error types shared by every part of the pipeline.

The state machines retry only ``TransientError`` subclasses and catch ``PermanentError`` ones
into a failure record; Lambda reports the class name as the error type, so these names are
part of the ASL contract.
"""

from __future__ import annotations


class LedgerGraphError(Exception):
    """Root of every error this project raises on purpose."""


class TransientError(LedgerGraphError):
    """Worth retrying: throttling, 5xx, timeouts, a busy graph node."""


class PermanentError(LedgerGraphError):
    """Invalid input or state: retrying changes nothing; record it and go on."""


class GraphNodeUnavailable(TransientError):
    """The graph node did not answer or answered 5xx/503."""


class GraphNodeRejected(PermanentError):
    """The graph node refused the request (4xx) and said why; ``status`` is the HTTP one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ObjectNotFound(PermanentError):
    """An object store key does not exist."""


class FilingError(PermanentError):
    """A filing could not be processed; the message names its accession or package."""

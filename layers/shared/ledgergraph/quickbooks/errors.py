"""Errors of the QuickBooks library, split into transient (retried) and permanent (recorded).

The state machine retries the transient branch; the class names are part of its contract.
Messages carry the realm id, entity or run id, never a token or a secret.
"""

from __future__ import annotations

from ledgergraph.errors import PermanentError, TransientError


class QuickBooksTransientError(TransientError):
    """Worth retrying later: throttling, Intuit 5xx, timeouts."""


class QuickBooksThrottled(QuickBooksTransientError):
    """HTTP 429 persisted after the client's own backoff."""


class QuickBooksUnavailable(QuickBooksTransientError):
    """Intuit answered 5xx or did not answer (timeout, connection error)."""


class QuickBooksPermanentError(PermanentError):
    """Retrying changes nothing: bad request, bad credentials, unusable data."""


class NeedsReauthorization(QuickBooksPermanentError):
    """The realm's refresh token was refused (invalid_grant): a user must connect again."""


class NotConnected(QuickBooksPermanentError):
    """No tokens are stored for the realm: the OAuth connection was never made."""


class QuickBooksRequestRejected(QuickBooksPermanentError):
    """Intuit refused the request (4xx other than 401/429) and said why in a Fault."""


class QuickBooksDataError(QuickBooksPermanentError):
    """A run's raw data or state is missing or unusable; the message names the run."""


class RawPageMissing(QuickBooksDataError):
    """A page a run landed is gone from the object store; ``key`` is the page's key."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key

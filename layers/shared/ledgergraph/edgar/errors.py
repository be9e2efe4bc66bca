"""Errors of the EDGAR client.

Transient ones (throttling, 5xx, timeouts, dropped connections) are worth retrying later, by
the client itself and then by the state machine; permanent ones (not found, an HTML page where
data was expected, a bad CIK or accession number) are recorded against the filing and the
batch goes on. Class names are part of the state machine's Retry/Catch contract.
"""

from __future__ import annotations

from ledgergraph.errors import FilingError, LedgerGraphError, PermanentError, TransientError


class EdgarError(LedgerGraphError):
    """Root of every error raised by the EDGAR client."""


class EdgarTransientError(EdgarError, TransientError):
    """EDGAR could not answer now; the same request may succeed later."""


class EdgarThrottled(EdgarTransientError):
    """EDGAR refused the request for its rate (429, or the 'Request Rate Threshold' page).

    ``retry_after_s`` is the server's Retry-After in seconds when it sent one.
    """

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class EdgarServerError(EdgarTransientError):
    """EDGAR answered with a 5xx status."""


class EdgarTimeout(EdgarTransientError):
    """No answer within the configured timeout."""


class EdgarConnectionError(EdgarTransientError):
    """The connection to EDGAR failed or dropped before an answer."""


class EdgarIncompleteFile(EdgarTransientError):
    """A file arrived with another size than the filing's ``index.json`` lists (cut off)."""


class EdgarPermanentError(EdgarError, PermanentError):
    """Retrying the same request changes nothing."""


class EdgarConfigurationError(EdgarPermanentError):
    """The client's settings are unusable (e.g. no User-Agent with a contact e-mail)."""


class InvalidStepEvent(EdgarPermanentError):
    """A pipeline step was started with an event that is not a valid request."""


class InvalidIdentifier(EdgarPermanentError):
    """A CIK, accession number, ticker or file name that EDGAR cannot have."""


class EdgarNotFound(EdgarPermanentError):
    """EDGAR has no such document (404, or S3's NoSuchKey / AccessDenied answer)."""


class EdgarAccessDenied(EdgarPermanentError):
    """EDGAR refused the client itself (e.g. the 'Undeclared Automated Tool' page)."""


class EdgarUnexpectedHtml(EdgarPermanentError):
    """An HTML page arrived where JSON, XML, an index or a zip was expected."""


class EdgarTooLarge(EdgarPermanentError):
    """A body over the size allowed for it; reading it stopped there.

    ``limit`` is the byte limit that was exceeded.
    """

    def __init__(self, message: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class EdgarBadResponse(EdgarPermanentError):
    """The answer could not be used: invalid JSON, a broken zip, an unexpected status."""


class FilingPackageError(EdgarPermanentError, FilingError):
    """A filing's package cannot be downloaded as an XBRL package (no instance, unsafe names)."""

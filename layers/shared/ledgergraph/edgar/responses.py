"""What an EDGAR answer means: data, throttling, not found, or an error page.

The only place where HTTP statuses and bodies become client errors. SEC quirks handled here:
the rate-limit block comes as an HTML page (reportedly with 403) rather than a 429; S3 behind
the Archives answers 403 AccessDenied, not 404, for a key that does not exist; and an HTML
page can arrive with status 200 where data was expected. An HTML body where JSON, XML, an
index or a zip was expected is an error whatever the status.
"""

from __future__ import annotations

from enum import StrEnum

import httpx

from ledgergraph.edgar.errors import (
    EdgarAccessDenied,
    EdgarBadResponse,
    EdgarNotFound,
    EdgarServerError,
    EdgarThrottled,
    EdgarUnexpectedHtml,
)
from ledgergraph.edgar.ratelimit import retry_after_seconds

_THROTTLE_MARKERS = (b"request rate threshold exceeded", b"maximum allowable requests per second")
_UNDECLARED_MARKER = b"undeclared automated tool"
_S3_MISSING_MARKERS = (b"<code>nosuchkey</code>", b"<code>accessdenied</code>")
# Inline XBRL 1.1 (what the SEC accepts) and 1.0, declared near the top of the document.
INLINE_XBRL_NAMESPACES = (
    b"http://www.xbrl.org/2013/inlineXBRL",
    b"http://www.xbrl.org/2008/inlineXBRL",
)
_INLINE_SNIFF_BYTES = 1 << 20
# What every check of a body reads: the start of a streamed body this long stands for it
SNIFF_HEAD_BYTES = _INLINE_SNIFF_BYTES


def declares_inline_xbrl(body: bytes) -> bool:
    """True when the start of ``body`` (its first ``SNIFF_HEAD_BYTES``) declares an inline
    XBRL namespace."""
    head = body[:_INLINE_SNIFF_BYTES]
    return any(namespace in head for namespace in INLINE_XBRL_NAMESPACES)


_SNIFF_BYTES = 8192


class Expect(StrEnum):
    """What kind of body a request expects."""

    JSON = "json"
    XML = "xml"
    TEXT = "text"
    ZIP = "zip"
    INLINE = "inline"


def _head(body: bytes) -> bytes:
    return body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True for an HTML page (not for an XHTML inline XBRL document, which starts <?xml)."""
    head = _head(body)
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    if head.startswith(b"<?xml"):
        return False
    return content_type.lower().startswith("text/html") or b"<html" in head


def is_throttle_page(body: bytes) -> bool:
    """The SEC's 'Request Rate Threshold Exceeded' page."""
    head = body[:_SNIFF_BYTES].lower()
    return any(marker in head for marker in _THROTTLE_MARKERS)


def check_response(
    response: httpx.Response, expect: Expect, *, path: str, body: bytes | None = None
) -> bytes:
    """The body if it is the data asked for, else the matching client error.

    ``body`` is the response's body already read (a streamed response); else its content.
    """
    body = response.content if body is None else body
    status = response.status_code
    if status == 429 or is_throttle_page(body):
        seconds = retry_after_seconds(response.headers.get("retry-after"))
        raise EdgarThrottled(f"EDGAR throttled {path} (status {status})", seconds)
    if status >= 500:
        raise EdgarServerError(f"EDGAR answered {status} for {path}")
    if status == 404 or (status == 403 and _is_s3_missing(body)):
        raise EdgarNotFound(f"EDGAR has no {path} (status {status})")
    if status in (401, 403):
        hint = (
            "; declare a User-Agent with a contact e-mail"
            if _UNDECLARED_MARKER in body.lower()
            else ""
        )
        raise EdgarAccessDenied(f"EDGAR refused {path} (status {status}){hint}")
    if status != 200:
        raise EdgarBadResponse(f"EDGAR answered {status} for {path}")
    check_body(body, expect, path=path, content_type=response.headers.get("content-type", ""))
    return body


def _is_s3_missing(body: bytes) -> bool:
    head = _head(body)
    return any(marker in head for marker in _S3_MISSING_MARKERS)


def check_body(body: bytes, expect: Expect, *, path: str, content_type: str = "") -> None:
    """Raise unless ``body`` has the shape ``expect`` asks for; never accepts an error page."""
    if expect is Expect.INLINE:
        if not declares_inline_xbrl(body):
            kind = "an HTML page" if looks_like_html(body, content_type) else "a document"
            raise EdgarUnexpectedHtml(f"{path} is {kind} without inline XBRL")
        return
    if looks_like_html(body, content_type):
        raise EdgarUnexpectedHtml(f"EDGAR sent an HTML page for {path}, expected {expect}")
    head = _head(body)
    if expect is Expect.ZIP and not body.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise EdgarBadResponse(f"{path} is not a zip archive")
    if expect is Expect.XML and not head.startswith(b"<"):
        raise EdgarBadResponse(f"{path} is not XML")
    if expect is Expect.JSON and not head.startswith((b"{", b"[")):
        raise EdgarBadResponse(f"{path} is not JSON")

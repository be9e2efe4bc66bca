"""The HTTP client every EDGAR request goes through.

Each request carries the declared User-Agent and Accept-Encoding, waits for a slot of the
process-wide rate limiter, and is retried a bounded number of times: after a throttling
answer every worker of the process pauses (Retry-After when given, else
``throttle_pause_s``), after a 5xx, a timeout or a dropped connection this request backs off
exponentially with jitter. A pause longer than ``max_wait_s`` is not waited out:
EdgarThrottled naming the URL is raised instead (a Lambda hands the wait to the state
machine, a command stops); a shorter one is announced with a warning before it is waited.
Only the data asked for is ever returned, never an error page.
"""

from __future__ import annotations

import json
import random
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from ledgergraph.edgar.errors import (
    EdgarBadResponse,
    EdgarConnectionError,
    EdgarIncompleteFile,
    EdgarThrottled,
    EdgarTimeout,
    EdgarTooLarge,
    EdgarTransientError,
)
from ledgergraph.edgar.ratelimit import RateLimiter, backoff_delay, process_limiter
from ledgergraph.edgar.responses import SNIFF_HEAD_BYTES, Expect, check_response
from ledgergraph.edgar.settings import EdgarSettings, check_user_agent
from ledgergraph.logs import get_logger

logger = get_logger("edgar")

_MAX_REDIRECTS = 3
_DECODED_CHUNK = 1 << 20  # largest piece one step of gzip decoding may produce

T = TypeVar("T")


class EdgarClient:
    """Polite, retrying access to www.sec.gov and data.sec.gov; thread-safe.

    Args:
        settings: the client settings; the User-Agent must contain a contact e-mail.
        http: an httpx client to use (not closed by ``close``); one is built if omitted.
        limiter: the rate limiter; defaults to the process-wide one, so that every client
            and thread of the process shares one budget.
    """

    def __init__(
        self,
        settings: EdgarSettings,
        http: httpx.Client | None = None,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._headers = {
            "User-Agent": check_user_agent(settings.user_agent),
            "Accept-Encoding": "gzip, deflate",
        }
        self.limiter = limiter or process_limiter(settings.max_requests_per_second)
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=settings.timeout_s, follow_redirects=False)
        self._hosts = {urlsplit(settings.www_base).netloc, urlsplit(settings.data_base).netloc}
        self._sleep = sleep
        self._rng = rng

    def __enter__(self) -> EdgarClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this object built it."""
        if self._owns_http:
            self._http.close()

    def www_url(self, path: str) -> str:
        """A URL on www.sec.gov (or the configured stand-in)."""
        return self.settings.www_base + path

    def data_url(self, path: str) -> str:
        """A URL on data.sec.gov (or the configured stand-in)."""
        return self.settings.data_base + path

    def get_json(self, url: str) -> Any:
        """The parsed JSON document at ``url`` (at most ``max_document_bytes`` decoded)."""
        body = self.get_bytes(url, Expect.JSON, max_bytes=self.settings.max_document_bytes)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise EdgarBadResponse(f"invalid JSON from {urlsplit(url).path}") from exc

    def get_text(self, url: str) -> str:
        """A text document (an EDGAR index file, at most ``max_document_bytes`` decoded);
        Latin-1 where it is not UTF-8."""
        body = self.get_bytes(url, Expect.TEXT, max_bytes=self.settings.max_document_bytes)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body.decode("latin-1")

    def get_bytes(self, url: str, expect: Expect, *, max_bytes: int) -> bytes:
        """The body at ``url`` if it is what ``expect`` says, retrying transient failures.

        The body is read as a stream of decoded bytes and reading stops once it passes
        ``max_bytes`` (a gzip bomb is cut off there too), so no more is ever held.

        Raises:
            EdgarTransientError: still throttled / failing after ``max_retries`` retries.
            EdgarTooLarge: the body is over ``max_bytes`` (names the URL).
            EdgarPermanentError: not found, an HTML page, or an unusable answer.
        """
        path = urlsplit(url).path

        def once() -> bytes:
            response, body = self._send(url, path, max_bytes)
            return check_response(response, expect, path=path, body=body)

        return self._retried(url, path, once)

    def get_stream(
        self,
        url: str,
        expect: Expect,
        consume: Callable[[Iterator[bytes]], T],
        *,
        max_bytes: int,
        expected_size: int | None = None,
    ) -> T:
        """What ``consume`` makes of the body at ``url``, given as decoded chunks as they
        arrive; ``get_bytes`` for a body that should not be held whole (a package file).

        The body is checked as ``get_bytes`` checks it, from its first ``SNIFF_HEAD_BYTES``,
        before ``consume`` sees a byte. The chunks raise, inside ``consume`` (which should
        then keep nothing of them), EdgarTooLarge once they pass ``max_bytes``, the
        transient errors of a connection lost mid-body, and, at their end,
        EdgarIncompleteFile when they add up to other than ``expected_size``. A transient
        failure is retried as ``get_bytes`` retries it, ``consume`` called anew with the
        new body; EdgarIncompleteFile is not retried (EDGAR sent a whole body: its size).

        Raises:
            the errors of ``get_bytes``, EdgarIncompleteFile, and whatever ``consume``
            raises of its own.
        """
        path = urlsplit(url).path
        return self._retried(
            url, path, lambda: self._stream(url, path, expect, consume, max_bytes, expected_size)
        )

    def _retried(self, url: str, path: str, once: Callable[[], T]) -> T:
        """``once()``, tried again after a throttle (everyone pausing) or another transient
        error (backing off), at most ``max_retries`` times; EdgarIncompleteFile is not
        retried (EDGAR sent a whole body: its size)."""
        attempt = 0
        while True:
            self._refuse_long_wait(url)
            try:
                return once()
            except EdgarIncompleteFile:
                raise
            except EdgarThrottled as exc:
                self._pause_everyone(exc, url, attempt)
                if attempt >= self.settings.max_retries:
                    raise
            except EdgarTransientError as exc:
                if attempt >= self.settings.max_retries:
                    raise _given_up(exc, attempt + 1) from exc
                self._back_off(exc, path, attempt)
            attempt += 1

    def _stream(
        self,
        url: str,
        path: str,
        expect: Expect,
        consume: Callable[[Iterator[bytes]], T],
        max_bytes: int,
        expected_size: int | None,
    ) -> T:
        """One GET as ``_send`` makes it, its body handed to ``consume`` once checked."""
        for _ in range(_MAX_REDIRECTS + 1):
            self.limiter.acquire()
            body = None
            try:
                with self._http.stream("GET", url, headers=self._headers) as response:
                    if response.is_redirect:
                        url = self._redirect_target(url, response, path)
                        continue
                    body = _Body(response, url, max_bytes)
                    head = body.head(SNIFF_HEAD_BYTES if response.status_code == 200 else None)
                    check_response(response, expect, path=path, body=head)
                    return consume(body.chunks(head, expected_size))
            except httpx.TimeoutException as exc:
                raise EdgarTimeout(f"no answer from EDGAR for {path} in time") from exc
            except httpx.RequestError as exc:  # as _get_once: dropped, truncated, bad gzip
                raise _dropped(path, body, expected_size) from exc
        raise EdgarBadResponse(f"too many redirects for {path}")

    def _refuse_long_wait(self, url: str) -> None:
        """EdgarThrottled at once when the pause ahead is longer than ``max_wait_s``."""
        paused_for = self.limiter.paused_for()
        if paused_for > self.settings.max_wait_s:
            what = f"throttled this process for {paused_for:.0f} s more"
            raise self._too_long(what, url, pause_s=paused_for)

    def _too_long(self, what: str, url: str, *, pause_s: float) -> EdgarThrottled:
        return EdgarThrottled(
            f"EDGAR {what}; not waiting longer than {self.settings.max_wait_s:g} s "
            f"(LEDGERGRAPH_EDGAR_MAX_WAIT_S) for {url}",
            retry_after_s=pause_s,
        )

    def _pause_everyone(self, exc: EdgarThrottled, url: str, attempt: int) -> None:
        """Close the gate for every worker; raise at once if the pause is over the cap."""
        retry_after = exc.retry_after_s
        pause_s = self.settings.throttle_pause_s if retry_after is None else retry_after
        self.limiter.pause(pause_s)
        if pause_s > self.settings.max_wait_s:
            what = (
                f"asked for a pause of {pause_s:.0f} s (Retry-After)"
                if retry_after is not None
                else f"throttled without a Retry-After, a pause of {pause_s:g} s "
                "(LEDGERGRAPH_EDGAR_THROTTLE_PAUSE_S)"
            )
            raise self._too_long(what, url, pause_s=pause_s) from exc
        logger.warning(
            "edgar throttled, every request waits",
            extra={
                "url": url,
                "wait_s": round(pause_s, 3),
                "attempt": attempt,
                "retry_after_given": retry_after is not None,
            },
        )

    def _back_off(self, exc: EdgarTransientError, path: str, attempt: int) -> None:
        delay = backoff_delay(
            attempt,
            base_s=self.settings.backoff_base_s,
            max_s=self.settings.backoff_max_s,
            rng=self._rng,
        )
        logger.warning(
            "edgar request retried",
            extra={
                "path": path,
                "attempt": attempt,
                "delay_s": round(delay, 3),
                "error": type(exc).__name__,
            },
        )
        self._sleep(delay)

    def _send(self, url: str, path: str, max_bytes: int) -> tuple[httpx.Response, bytes]:
        """One GET through the limiter, following redirects only within EDGAR's hosts."""
        for _ in range(_MAX_REDIRECTS + 1):
            self.limiter.acquire()
            response, body = self._get_once(url, path, max_bytes)
            if not response.is_redirect:
                return response, body
            url = self._redirect_target(url, response, path)
        raise EdgarBadResponse(f"too many redirects for {path}")

    def _get_once(self, url: str, path: str, max_bytes: int) -> tuple[httpx.Response, bytes]:
        """The response and its decoded body, read no further than ``max_bytes``."""
        body = None
        try:
            with self._http.stream("GET", url, headers=self._headers) as response:
                if response.is_redirect:
                    return response, b""
                body = _Body(response, url, max_bytes)
                return response, body.head(None)
        except httpx.TimeoutException as exc:
            raise EdgarTimeout(f"no answer from EDGAR for {path} in time") from exc
        except httpx.RequestError as exc:  # dropped connection, truncated or bad gzip body
            raise _dropped(path, body, None) from exc

    def _redirect_target(self, url: str, response: httpx.Response, path: str) -> str:
        target = urljoin(url, response.headers.get("location", ""))
        if urlsplit(target).netloc not in self._hosts:
            raise EdgarBadResponse(f"EDGAR redirected {path} outside its hosts")
        return target


class _Body:
    """A streamed body, decoded, read no further than ``max_bytes`` (EdgarTooLarge as soon
    as it passes them), whole (``head(None)``) or in two goes: a head to check the answer
    by, then the chunks (head included) for a consumer.

    Content-Length (the body's size when it is not compressed) refuses a body before
    reading it; otherwise the decoded chunks are counted as they come, and ``size`` says
    how many arrived, also when the connection drops mid-body.
    """

    def __init__(self, response: httpx.Response, url: str, max_bytes: int) -> None:
        declared = response.headers.get("content-length", "")
        plain = not _content_coding(response)
        if plain and declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(url, max_bytes, f"Content-Length {declared}")
        self.declared = int(declared) if plain and declared.isdigit() else None
        self._decoded = _decoded_chunks(response, url)
        self._url = url
        self._max_bytes = max_bytes
        self._size = 0

    @property
    def size(self) -> int:
        """Decoded bytes received so far."""
        return self._size

    def head(self, size: int | None) -> bytes:
        """At least ``size`` bytes of the body (all of it if shorter; all of it for None:
        an error page, which every caller reads whole)."""
        pieces: list[bytes] = []
        read = 0
        while size is None or read < size:
            chunk = next(self._decoded, None)
            if chunk is None:
                break
            pieces.append(chunk)
            read += len(chunk)
            self._count(chunk)
        return b"".join(pieces)

    def chunks(self, head: bytes, expected_size: int | None) -> Iterator[bytes]:
        """``head`` then the rest of the body; EdgarIncompleteFile at the end when the body
        is not ``expected_size`` bytes."""
        if head:
            yield head
        for chunk in self._decoded:
            self._count(chunk)
            yield chunk
        if expected_size is not None and self._size != expected_size:
            raise EdgarIncompleteFile(
                f"EDGAR sent {self._size} bytes, its index.json lists {expected_size}"
            )

    def _count(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._max_bytes:
            raise _too_large(self._url, self._max_bytes, f"over {self._size} bytes read")


def _content_coding(response: httpx.Response) -> str:
    return response.headers.get("content-encoding", "").strip().lower()


def _decoded_chunks(response: httpx.Response, url: str) -> Iterator[bytes]:
    """The body in decoded chunks of at most ``_DECODED_CHUNK`` bytes.

    NOTE: httpx's own decoder (``iter_bytes``) inflates each network chunk whole, and a
    64 KiB chunk of a gzip bomb is some 64 MiB: decoding here with zlib's ``max_length``
    bounds what one step can produce, so a limit is overrun by one small chunk at most.
    """
    coding = _content_coding(response)
    if coding in ("", "identity"):
        yield from response.iter_raw()
        return
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise EdgarBadResponse(f"EDGAR sent {url} with the unknown encoding {coding!r}")
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # a gzip or zlib header, detected
    try:
        for raw in response.iter_raw():
            pending = raw
            while pending:
                yield decoder.decompress(pending, _DECODED_CHUNK)
                pending = decoder.unconsumed_tail
        yield decoder.flush()
    except zlib.error as exc:
        raise EdgarConnectionError(f"EDGAR sent a damaged {coding} body for {url}") from exc
    if not decoder.eof:
        raise EdgarConnectionError(f"EDGAR's {coding} body for {url} was cut off")


def _dropped(path: str, body: _Body | None, expected: int | None) -> EdgarConnectionError:
    """The connection dropped: before an answer, or mid-body after so many bytes of the
    size expected (index.json's for a package file, else Content-Length when known)."""
    failed = f"connection to EDGAR failed for {path}"
    if body is None:
        return EdgarConnectionError(f"{failed} before an answer")
    expected = expected if expected is not None else body.declared
    of = f"of {expected} expected" if expected is not None else "(size not announced)"
    return EdgarConnectionError(f"{failed} mid-body: {body.size} bytes received {of}")


def _given_up(exc: EdgarTransientError, attempts: int) -> EdgarTransientError:
    """``exc`` (of the same class) saying how many times the request was sent before the
    client gave up on it."""
    return type(exc)(f"{exc}; gave up after {attempts} attempt(s)")


def _too_large(url: str, max_bytes: int, seen: str) -> EdgarTooLarge:
    return EdgarTooLarge(
        f"{url} is larger than the {max_bytes} bytes allowed ({seen}); reading stopped",
        limit=max_bytes,
    )

"""The Graph API key a request must carry, read again from its file when the file changes.

With ``api_key_file`` set (``LEDGERGRAPH_API_KEY_FILE``, or the key `serve` generates), the
key is the file's content, read again whenever the file's identity, size or modification
time changes: rotating the key is writing the new one to the file (atomically: a temporary
file renamed over it), no restart. A file that is missing, unreadable or empty matches no
key (fail closed) until it is fixed. Without a file, the configured ``api_key`` is fixed for
the life of the process. Keys are compared in constant time.
"""

from __future__ import annotations

import hmac
import os
import threading
from pathlib import Path

from pydantic import SecretStr

from graph_node.log import logger


class ApiKey:
    """The key requests are checked against (see the module docstring)."""

    def __init__(self, fixed: SecretStr | None = None, *, path: Path | None = None) -> None:
        self._fixed = fixed.get_secret_value() if fixed is not None else ""
        self._path = path
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._from_file = ""

    def matches(self, offered: str) -> bool:
        """Whether ``offered`` is the current key; nothing matches when there is none."""
        key = self._current()
        if not key:
            return False
        return hmac.compare_digest(offered.encode(), key.encode())

    def _current(self) -> str:
        if self._path is None:
            return self._fixed
        with self._lock:
            try:
                found = os.stat(self._path)
            except OSError as exc:
                self._forget(f"key file unreadable: {exc.strerror}")
                return ""
            identity = (found.st_ino, found.st_size, found.st_mtime_ns)
            if identity != self._seen:
                try:
                    self._from_file = self._path.read_text().strip()
                except OSError as exc:
                    self._forget(f"key file unreadable: {exc.strerror}")
                    return ""
                if self._seen is not None:
                    logger.warning("api key read again", extra={"key_file": str(self._path)})
                self._seen = identity
                if not self._from_file:
                    logger.error("api key file is empty", extra={"key_file": str(self._path)})
            return self._from_file

    def _forget(self, reason: str) -> None:
        if self._seen is not None or self._from_file:
            logger.error(reason, extra={"key_file": str(self._path)})
        self._seen, self._from_file = None, ""

"""Where a realm's OAuth tokens and connection status are kept: a local file or Secrets Manager.

Intuit rotates refresh tokens: every refresh may return a new one and the old one stops
working soon after. So a store's ``save`` must be atomic and durable, and callers save the new
tokens before they use them (see ``oauth.TokenManager``).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from ledgergraph.quickbooks.errors import QuickBooksUnavailable

ConnectionStatus = Literal["connected", "needs_reauth"]


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenRecord(BaseModel):
    """One realm's connection: tokens, their expiry (epoch seconds) and status."""

    realm_id: str
    access_token: str = Field(default="", repr=False)
    refresh_token: str = Field(default="", repr=False)
    access_expires_at: float = Field(default=0.0, description="epoch seconds")
    refresh_expires_at: float | None = Field(default=None, description="epoch seconds")
    status: ConnectionStatus = "connected"
    status_reason: str | None = Field(
        default=None, description="why the connection needs re-authorisation"
    )
    updated_at: str = Field(default_factory=utc_now_iso)


class TokenStore(Protocol):
    """Loads and atomically replaces one realm's TokenRecord."""

    def load(self, realm_id: str) -> TokenRecord | None: ...
    def save(self, record: TokenRecord) -> None: ...


class FileTokenStore:
    """All realms in one JSON file, mode 0600, replaced via temp file + fsync + rename.

    A lock file serialises read-modify-write across processes on the same machine.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, realm_id: str) -> TokenRecord | None:
        raw = self._read_all().get(realm_id)
        return TokenRecord.model_validate(raw) if raw else None

    def save(self, record: TokenRecord) -> None:
        with self._locked():
            records = self._read_all()
            records[record.realm_id] = record.model_dump()
            self._write_all(records)

    def _read_all(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _write_all(self, records: dict[str, Any]) -> None:
        data = json.dumps(records, indent=2, sort_keys=True).encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class SecretsManagerTokenStore:
    """One secret per realm, ``{prefix}{realm_id}``; each save is a new secret version."""

    def __init__(self, client: Any, *, prefix: str = "ledgergraph/quickbooks/") -> None:
        self.client = client
        self.prefix = prefix

    def secret_id(self, realm_id: str) -> str:
        return f"{self.prefix}{realm_id}"

    def load(self, realm_id: str) -> TokenRecord | None:
        errors = self.client.exceptions
        try:
            response = self.client.get_secret_value(SecretId=self.secret_id(realm_id))
        except errors.ResourceNotFoundException:
            return None
        except errors.ClientError as exc:
            raise QuickBooksUnavailable(
                f"secrets manager read failed for realm {realm_id}"
            ) from exc
        return TokenRecord.model_validate_json(response["SecretString"])

    def save(self, record: TokenRecord) -> None:
        name = self.secret_id(record.realm_id)
        body = record.model_dump_json()
        errors = self.client.exceptions
        try:
            self.client.put_secret_value(SecretId=name, SecretString=body)
        except errors.ResourceNotFoundException:
            self.client.create_secret(Name=name, SecretString=body)
        except errors.ClientError as exc:
            raise QuickBooksUnavailable(
                f"secrets manager write failed for realm {record.realm_id}"
            ) from exc


def open_token_store(
    kind: str, *, path: Path | None = None, client: Any = None, prefix: str = ""
) -> TokenStore:
    """The store named by the settings' ``token_store`` ("file" or "secretsmanager")."""
    if kind == "file":
        if path is None:
            raise ValueError("a file token store needs a path")
        return FileTokenStore(path)
    if kind == "secretsmanager":
        if client is None:
            raise ValueError("a Secrets Manager token store needs a boto3 client")
        return SecretsManagerTokenStore(client, prefix=prefix)
    raise ValueError(f"unknown token store {kind!r}")

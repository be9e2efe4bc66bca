"""One structured JSON logger shape for every process (Lambda, graph node, XBRL task)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger

_loggers: list[Logger] = []


def get_logger(service: str) -> Logger:
    """A Powertools logger; messages are constant, values go in ``extra=``.

    It writes to whatever ``sys.stdout`` is at the time of each line, as Lambda expects,
    not to the stream that was ``sys.stdout`` when it was made (a test's capture, closed
    once that test ends).
    """
    logger = Logger(service=service, stream=_CurrentStdout())
    _loggers.append(logger)
    return logger


def project_loggers() -> tuple[Logger, ...]:
    """Every logger ``get_logger`` has made in this process."""
    return tuple(_loggers)


class _CurrentStdout:
    """Writes to whatever ``sys.stdout`` is at the time of the write."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of the write (test capture swaps it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def send_logs_to_stderr(*, level: str = "WARNING") -> None:
    """Point every logger made here at stderr: a CLI's stdout is its result, not its logs.

    Step lines (INFO) are for services; a person at a terminal sees warnings and errors.
    """
    for logger in _loggers:
        logger.setLevel(level)
        for handler in _streams(logger):
            _point(handler, _CurrentStderr())


def restore_log_levels() -> None:
    """Every logger made here back at the configured level (POWERTOOLS_LOG_LEVEL, else INFO).

    Tests run CLI code in-process: what one command quietens must not quieten the next test.
    Loggers of one service share a stdlib logger, so the level a logger was created with may
    already be a quietened one; the configured level is what a fresh process would have.
    """
    level = os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO"
    for logger in _loggers:
        logger.setLevel(level.upper())


def restore_log_streams() -> None:
    """Every logger made here writing to the current stdout again, as ``get_logger`` made it.

    Tests run CLI code in-process: ``send_logs_to_stderr`` (a command's quiet terminal) or a
    stream a test set must not move the log lines the next test reads from stdout.
    """
    for logger in _loggers:
        for handler in _streams(logger):
            if not isinstance(handler.stream, _CurrentStdout):
                _point(handler, _CurrentStdout())


@contextmanager
def service_logs_to_file(service: str, path: Path) -> Iterator[None]:
    """Append the lines of ``service``'s loggers to ``path`` for the block, at their level.

    For a service run in-process by a CLI command (the graph node reading a home): its lines
    belong in its log file, the terminal gets the command's own error. Where ``path``
    cannot be written (a read-only home) the lines stay where they were going.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        log = path.open("a", encoding="utf-8")
    except OSError:
        yield
        return
    handlers = {id(h): h for lg in _loggers if lg.service == service for h in _streams(lg)}
    before = {key: handler.stream for key, handler in handlers.items()}
    for handler in handlers.values():
        _point(handler, log)
    try:
        yield
    finally:
        for key, handler in handlers.items():
            _point(handler, before[key])
        log.close()


def _streams(logger: Logger) -> list[logging.StreamHandler]:
    handler = logger.registered_handler
    return [handler] if isinstance(handler, logging.StreamHandler) else []


def _point(handler: logging.StreamHandler, stream: Any) -> None:
    """``handler.setStream(stream)``, except that a closed stream is not flushed first.

    A logger made while a test captured stdout keeps the capture after the test closed
    it; ``setStream`` would raise flushing it, in the next command that points it here.
    """
    if getattr(handler.stream, "closed", False):
        with handler.lock:
            handler.stream = stream
    else:
        handler.setStream(stream)

"""One structured JSON logger shape for every process (Lambda, graph node, XBRL task)."""

from __future__ import annotations

import logging
import os
import sys

from aws_lambda_powertools import Logger

_loggers: list[Logger] = []


def get_logger(service: str) -> Logger:
    """A Powertools logger; messages are constant, values go in ``extra=``."""
    logger = Logger(service=service)
    _loggers.append(logger)
    return logger


def project_loggers() -> tuple[Logger, ...]:
    """Every logger ``get_logger`` has made in this process."""
    return tuple(_loggers)


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
        handler = logger.registered_handler
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(_CurrentStderr())


def restore_log_levels() -> None:
    """Every logger made here back at the configured level (POWERTOOLS_LOG_LEVEL, else INFO).

    Tests run CLI code in-process: what one command quietens must not quieten the next test.
    Loggers of one service share a stdlib logger, so the level a logger was created with may
    already be a quietened one; the configured level is what a fresh process would have.
    """
    level = os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO"
    for logger in _loggers:
        logger.setLevel(level.upper())

"""One structured JSON logger shape for every process (Lambda, graph node, XBRL task)."""

from __future__ import annotations

from aws_lambda_powertools import Logger


def get_logger(service: str) -> Logger:
    """A Powertools logger; messages are constant, values go in ``extra=``."""
    return Logger(service=service)

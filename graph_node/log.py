"""The graph node's one Powertools logger (constant messages, values in ``extra=``)."""

from __future__ import annotations

from ledgergraph.logs import get_logger

logger = get_logger("graph_node")

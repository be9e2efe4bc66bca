"""ledgergraph shared library: contracts and clients used by every deployable.

Lives in the Lambda layer; the graph node, the XBRL task and the local runtime import it too.
"""

__version__ = "0.1.0"

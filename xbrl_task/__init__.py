"""The XBRL processing task: SEC filing packages in, graph-shaped Parquet and manifests out.

Runs as the ECS Fargate task of the SEC state machine (``python -m xbrl_task``, settings from
``LEDGERGRAPH_*``) and locally as a subprocess or a CLI over package folders.
"""

from xbrl_task.version import __version__

__all__ = ["__version__"]

"""The graph node: the Graph API over a DuckDB staging file and a LadybugDB graph per graph.

``GraphService`` is the in-process API (used by the HTTP server and directly by the CLI);
``server.create_app`` puts the HTTP contract of ``docs/graph-api.md`` in front of it.
"""

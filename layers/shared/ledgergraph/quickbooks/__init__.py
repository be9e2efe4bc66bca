"""QuickBooks Online books into the ledger graph.

``oauth`` and ``tokens`` keep a realm connected, ``client`` talks to the QBO API v3,
``extract`` lands a sync run's raw JSON in the object store, ``transform`` turns a run's raw
JSON into graph-shaped Parquet with DuckDB SQL, ``validation`` checks the result balances.
"""

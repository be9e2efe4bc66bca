"""A sync run's raw JSON into graph-shaped Parquet, by DuckDB SQL files (``sql/*.sql``).

``runner`` loads the run and executes the SQL, ``outputs`` writes the tables and reconciles
the counts, ``service.transform_run`` is the step a Lambda or the local pipeline calls.
"""

"""dbt plugin module of revenue_ml: lets dbt-spark run Python models on its `session` method.

dbt-core imports every importable top-level module whose name starts with ``dbt_`` when a
command loads a project (dbt.plugins.manager) and instantiates the ``dbtPlugin`` classes in its
``plugins`` list. This one registers revenue_ml's `session` submission helper with dbt-spark
(revenue_ml/dbt/spark.py); without dbt-spark installed (a DuckDB-only setup) it does nothing.
"""

from __future__ import annotations

from dbt.plugins.manager import dbtPlugin


class SparkSessionPythonModels(dbtPlugin):
    """dbt calls initialize() once per invocation."""

    def initialize(self) -> None:
        from revenue_ml.dbt.spark import register_session_helper

        register_session_helper()


plugins = [SparkSessionPythonModels]

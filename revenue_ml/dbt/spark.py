"""dbt Python models on Spark's in-process session (target `spark`, dbt-spark `method: session`).

dbt-spark submits Python models only to Databricks (`all_purpose_cluster`, `job_cluster`); its
own CI skips them in session mode. This module adds a `session` submission helper (the idea of
dbt-labs/dbt-spark PR 1063): dbt compiles a Python model into one script (the model's code,
dbt's ``dbtObj`` glue and the materialization tail rendered by ``spark__create_table_as`` in
macros/portable/spark_python.sql) and the helper runs it in this process with ``spark`` bound to
the SparkSession dbt-spark's SQL statements use, so refs, the metastore and the warehouse
directory are shared. The dbt plugin module ``dbt_revenue_ml`` (dbt_plugin/) calls
:func:`register_session_helper` at dbt start-up.

Under ``spark-submit`` (a real cluster, see README "Spark") ``getOrCreate`` returns the session
spark-submit made, so the same helper runs the models on the cluster's driver.
"""

from __future__ import annotations

import linecache
import logging
from typing import Any

SUBMISSION_METHOD = "session"
_REGISTERED_FLAG = "_revenue_ml_session_python"


def spark_session(server_side_parameters: dict[str, str]):
    """The SparkSession dbt-spark's session cursor uses: the same builder calls (Hive catalog,
    the profile's ``server_side_parameters``), so ``getOrCreate`` returns the same session."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in server_side_parameters.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _helper_class():
    from dbt.adapters.base import PythonJobHelper

    class SessionPythonJobHelper(PythonJobHelper):
        """Runs a compiled dbt Python model in this process against the active SparkSession."""

        def __init__(self, parsed_model: dict, credentials: Any) -> None:
            self.parsed_model = parsed_model
            self.credentials = credentials

        def submit(self, compiled_code: str) -> Any:
            spark = spark_session(dict(self.credentials.server_side_parameters))
            # a named "file" so a traceback shows the compiled model's lines
            filename = f"<dbt python model {self.parsed_model.get('unique_id', '?')}>"
            lines = compiled_code.splitlines(True)
            linecache.cache[filename] = (len(compiled_code), None, lines, filename)
            namespace = {"__name__": "__dbt_python_model__", "spark": spark}
            exec(compile(compiled_code, filename, "exec"), namespace)
            return None  # SparkAdapter.generate_python_submission_response ignores it

    return SessionPythonJobHelper


def register_session_helper() -> bool:
    """Add the `session` helper to dbt-spark's ``python_submission_helpers`` and make it the
    default submission method when the profile uses ``method: session``. Returns False (and
    changes nothing) when dbt-spark is not installed."""
    try:
        from dbt.adapters.spark.impl import SparkAdapter
    except ImportError:
        return False
    if getattr(SparkAdapter, _REGISTERED_FLAG, False):
        return True
    helper = _helper_class()
    helpers = SparkAdapter.python_submission_helpers  # properties of the class
    default = SparkAdapter.default_python_submission_method

    def python_submission_helpers(self):
        return {**helpers.fget(self), SUBMISSION_METHOD: helper}

    def default_python_submission_method(self):
        if str(self.config.credentials.method) == SUBMISSION_METHOD:
            return SUBMISSION_METHOD
        return default.fget(self)

    SparkAdapter.python_submission_helpers = property(python_submission_helpers)
    SparkAdapter.default_python_submission_method = property(default_python_submission_method)
    setattr(SparkAdapter, _REGISTERED_FLAG, True)
    _quiet_pyspark_query_logger()
    return True


def _quiet_pyspark_query_logger() -> None:
    """pyspark 4 logs every failed query as a JSON ERROR line on stderr (the Python-side
    PySparkLogger, not log4j); dbt reports the same error in its own words."""
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)

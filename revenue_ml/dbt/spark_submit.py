"""Run dbt in a spark-submit driver, so the project builds on a Spark cluster.

    spark-submit --master yarn --deploy-mode client [cluster options] \\
        revenue_ml/dbt/spark_submit.py build --target spark

spark-submit starts the driver with the cluster's settings (master, executors, memory, the
cluster's metastore and warehouse). This script creates that SparkSession first, then runs dbt
in the same process: dbt-spark's `session` method and the Python models' session helper
(revenue_ml.dbt.spark) call ``getOrCreate()`` and get the cluster's session. The profile's
launch-time settings (master, driver memory, local warehouse and metastore) are then ignored;
its SQL settings still apply. Run it from the project directory, with this project's venv as
the driver's Python (PYSPARK_PYTHON) and raw_dir on storage the cluster reads (hdfs://, s3a://).
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    """Start (or join) the spark-submit session, run the dbt command ``argv``; dbt's exit code."""
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    SparkSession.builder.enableHiveSupport().getOrCreate()
    result = dbtRunner().invoke(argv)
    if result.exception is not None:
        print(result.exception, file=sys.stderr)
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

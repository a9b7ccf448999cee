{#-
    Python models on Spark (with the `session` submission helper, revenue_ml/dbt/spark.py).
    dbt-spark renders a Python model as create_table_as(..., language='python'), i.e. the
    compiled model plus a tail that saves its result. This override is dispatched, so only the
    Spark adapter sees it (overriding `py_write_table` itself would also replace dbt-duckdb's
    macro of that name, which has another signature); SQL goes to dbt-spark's implementation.

    dbt-spark's own tail converts pandas through pyspark.pandas (fails on tz-aware columns with
    pyspark 4) and defaults to Delta. This one converts through an Arrow table (column types
    from the pandas dtypes, so an empty result keeps its schema), stores all-null columns as
    strings (Spark cannot write Arrow's `null` type), gives an incremental model's new rows the
    existing table's column types, and saves the table in the model's file_format (parquet by
    default).
-#}
{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {#- a domain whose raw file failed its audit stops here with the audit's message (on
        DuckDB it keeps its last good rows: macros/operations/domain_hold.sql) -#}
    {%- set reasons = hold_reasons() if execute else [] -%}
    {%- if reasons -%}
        {{ exceptions.raise_compiler_error(reasons | join(' ')) }}
    {%- endif -%}
    {%- if language == 'python' -%}
        {{ spark_python_write_table(compiled_code, relation) }}
    {%- else -%}
        {{ dbt.spark__create_table_as(temporary, relation, compiled_code, language) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark_python_write_table(compiled_code, target_relation) %}
{{ compiled_code }}
# --- materialization tail: macros/portable/spark_python.sql --- #
dbt = dbtObj(spark.table)
df = model(dbt, spark)

import pandas as _pd
import pyarrow as _pa
from pyspark.sql import DataFrame as _SparkDataFrame

if isinstance(df, _pd.DataFrame):
    _table = _pa.Table.from_pandas(df, preserve_index=False)
    _table = _table.cast(_pa.schema([
        _pa.field(_f.name, _pa.string()) if _pa.types.is_null(_f.type) else _f
        for _f in _table.schema
    ]))
    df = spark.createDataFrame(_table)
elif not isinstance(df, _SparkDataFrame):
    raise TypeError(
        f"{type(df).__name__} is not a supported result of a dbt Python model on Spark: "
        "return a pandas or Spark DataFrame"
    )

if dbt.is_incremental:
    # the new rows are appended to the existing table: give them its column types (an empty
    # result, e.g. a registry that trained nothing new, has only pandas' object columns)
    _existing = {_f.name.lower(): _f.dataType for _f in spark.table("{{ this }}").schema.fields}
    df = df.select([
        df[_c].cast(_existing[_c.lower()]).alias(_c) if _c.lower() in _existing else df[_c]
        for _c in df.columns
    ])

df.write.mode("overwrite").format("{{ config.get('file_format', 'parquet') }}").option("overwriteSchema", "true").saveAsTable("{{ target_relation }}")
{%- endmacro %}

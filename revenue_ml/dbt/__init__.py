"""Helpers for the thin dbt Python models (reading refs, existing tables, configs).

The models run on DuckDB (dbt-duckdb) and on Spark (dbt-spark, revenue_ml.dbt.spark): this is
their one boundary with the engine, pandas in and pandas out. A model file keeps what dbt reads
when it parses it (``dbt.config``, every ``dbt.ref`` and ``dbt.source``: they make the graph)
and hands the relations to one call: :func:`model_versions` for a domain's registry (train or
reuse, register), :func:`run` for any other model (a domain function on the frames)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType

import pandas as pd

from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.lifecycle import register
from revenue_ml.ml.runtime import set_reporter, single_threaded_pools
from revenue_ml.settings import RegistrySettings


def frame(relation) -> pd.DataFrame:
    """What ``dbt.ref``/``dbt.source`` returns, as a pandas frame, on either engine.

    DuckDB (a relation): ``.df()``. Spark (a DataFrame): ``toPandas()`` through Arrow, then the
    dtypes DuckDB's ``.df()`` gives, so the package sees the same frame on both engines (the
    training fingerprints hash dtypes too): DECIMAL as float64 (Spark: ``Decimal`` objects),
    DATE and TIMESTAMP as datetime64[us] (Spark: ``datetime.date`` objects, datetime64[ns]),
    integers with nulls as nullable ``Int32``/``Int64`` (Spark: float64), booleans with nulls
    as ``boolean`` (Spark: objects). The SQL types themselves must agree too (see README,
    "Spark"). The inputs of the Python models are per-entity marts, small enough to collect.
    """
    if hasattr(relation, "df"):
        return relation.df()
    return _spark_to_pandas(relation)


def _spark_to_pandas(dataframe) -> pd.DataFrame:
    from pyspark.sql import types as spark_types

    out = dataframe.toPandas()
    for field in dataframe.schema.fields:
        name, data_type = field.name, field.dataType
        column = out[name]
        if isinstance(data_type, spark_types.DecimalType):
            out[name] = column.astype("float64")
        elif isinstance(
            data_type,
            spark_types.DateType | spark_types.TimestampType | spark_types.TimestampNTZType,
        ):
            out[name] = pd.to_datetime(column).astype("datetime64[us]")
        elif isinstance(data_type, spark_types.IntegralType) and column.dtype.kind == "f":
            wide = isinstance(data_type, spark_types.LongType)
            out[name] = column.astype("Int64" if wide else "Int32")
        elif isinstance(data_type, spark_types.BooleanType) and column.dtype == object:
            out[name] = column.astype("boolean")
    return out


def existing_rows(dbt, session) -> pd.DataFrame | None:
    """Rows already in this incremental model's table, or None on a first/full-refresh build."""
    if not dbt.is_incremental:
        return None
    return frame(session.sql(f"select * from {dbt.this}"))


def forbidden_features(seed_relation, domain: str) -> frozenset[str]:
    """Columns of the ``forbidden_features`` seed for one domain.

    dbt finds a Python model's parents by reading its ``dbt.ref`` calls, so the model itself
    calls ``dbt.ref("forbidden_features")`` and passes the relation here.
    """
    seed = frame(seed_relation)
    return frozenset(seed.loc[seed["domain"] == domain, "column_name"].astype(str))


def optional_float(value) -> float | None:
    """A config value as a float; '', None and 'none' mean no value."""
    if value is None or str(value).strip().lower() in ("", "none", "null"):
        return None
    return float(value)


def use_dbt_logger() -> None:
    """Send training progress lines to dbt's own log (console and logs/dbt.log)."""
    try:
        from dbt.adapters.events.logging import AdapterLogger
    except ImportError:  # not running inside dbt
        return
    set_reporter(AdapterLogger("revenue_ml").info)


@contextmanager
def clear_errors() -> Iterator[None]:
    """The body of a Python model: progress lines go to dbt's log, BLAS and OpenMP run on one
    thread (:func:`revenue_ml.ml.runtime.single_threaded_pools`: the same bits whatever else
    trains meanwhile), and a bad-input error (:class:`ModelInputError`, which names the model or
    var, the cause and the fix) reaches dbt as that one message, without the package's stack
    (dbt prints the whole traceback of whatever a Python model raises)."""
    use_dbt_logger()
    single_threaded_pools()
    try:
        yield
    except ModelInputError as err:
        raise ModelInputError(str(err)) from None


def _read(value):
    """A relation as a frame; a ``(settings class, build settings relation)`` pair as the
    settings it holds (``from_table``)."""
    if isinstance(value, tuple):
        settings, relation = value
        return settings.from_table(frame(relation))
    return frame(value)


def run(function: Callable[..., pd.DataFrame], *relations, **named) -> pd.DataFrame:
    """The body of a table Python model: ``function`` called on what the model read, inside
    :func:`clear_errors`. Each relation (``dbt.ref`` / ``dbt.source``), positional or named,
    becomes a pandas frame (:func:`frame`); a ``(SettingsClass, relation)`` pair becomes the
    settings that build-settings relation holds (``SettingsClass.from_table``)."""
    with clear_errors():
        args = [_read(value) for value in relations]
        kwargs = {name: _read(value) for name, value in named.items()}
        return function(*args, **kwargs)


def model_versions(
    dbt,
    session,
    domain: ModuleType,
    settings,
    features,
    forbidden=None,
    lookups: Mapping[str, object] | None = None,
    **relations,
) -> pd.DataFrame:
    """The body of every ``<domain>_model_versions`` model (incremental): the new registry
    rows of the domain's models, each with its alias (champion or challenger) and logged to
    MLflow when a tracking URI is set (:func:`revenue_ml.ml.lifecycle.register`).

    ``domain``: the domain module (its ``DOMAIN``, ``Settings`` and ``train(features,
    existing, settings, **inputs)``); ``settings``: the build settings relation; ``features``:
    the training mart; ``forbidden``: the ``forbidden_features`` seed, when the domain's
    ``train`` takes the domain's forbidden columns; ``relations``: any other input of
    ``train``, by name, as frames. ``lookups``: the tables the MLflow models of raw-record
    scorers keep besides the build settings (table name -> relation), read only when such a
    model is logged."""
    with clear_errors():
        table = frame(settings)
        existing = existing_rows(dbt, session)
        inputs = {name: frame(r) for name, r in relations.items()}
        if forbidden is not None:
            inputs["forbidden"] = forbidden_features(forbidden, domain.DOMAIN)
        trained = domain.train(
            frame(features), existing, domain.Settings.from_table(table), **inputs
        )
        tables = {"ml.build_settings": table, **(lookups or {})}
        return register(trained, existing, RegistrySettings.from_table(table), tables)

"""Features of raw records, for scoring outside dbt.

A *raw record* is a row in a raw file's own column names (the BigML churn file, the sales
offers file, the iFood campaign file), as text or JSON values. Each domain module
(:mod:`~revenue_ml.raw_features.churn`, :mod:`~revenue_ml.raw_features.offers`,
:mod:`~revenue_ml.raw_features.campaign`) is the twin of its domain's staging and feature SQL:

- every raw value is parsed by DuckDB in-process with the staging's own expressions (the
  ``clean_text``, ``parse_as`` and ``identity_digest`` macros, written once here as
  :func:`clean`, :func:`parse`, :func:`identity_digest`), so it parses exactly as in the build
  (DuckDB rounds ``'3.5'`` to the integer 4 and reads ``'1e3'`` as 1000: a Python parser
  would drift). One flat select: binding a longer query costs more than the work;
- the derivations (sums, flags, date differences, twin numbers, lookups) are then done in
  numpy on the parsed values, the way the SQL does them (decimal amounts summed as exact
  cents, then cast to double, as DuckDB does);
- the parameters a build derived from its data (the imputation income, the leads it knows, the
  statuses, the staging limits) come from the tables the build published (each module's
  :class:`Domain`, ``SCORING``, lists them).

Each module ends with ``SCORING``, the :class:`Domain` the scorer of raw records serves
(:data:`revenue_ml.score.DOMAINS`): its raw file, the tables featurising reads, and the domain
module's routes and example record (:mod:`revenue_ml.domains`: the features, the scoring
specs and the examples are written once, there).

A record staging would reject for a row-level reason is not scored: each bad field gives one
error (record position, column, value, a message with the fix) and the other records are still
featurised. File-level rules do not apply to a batch of records: the plausible-date windows a
build computes from a whole file, duplicates within the file, and keys that depend on the
whole file (a churn twin number, an offer Id seen once) are derived within the batch. The test
suite checks the twins against the marts of a demo build (features and probabilities within
1e-9).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from revenue_ml.ml.scoring import Route
from revenue_ml.settings import settings_of

#: Column of the record's position in the input (0-based), carried through every query.
RECORD = "_record"
#: Columns of an errors frame.
ERROR_COLUMNS = ["record", "column", "value", "message"]
#: The build's settings table: the staging limits a twin applies come from it.
BUILD_SETTINGS = "ml.build_settings"
#: The staging limits of the raw sources the twins apply, as ``ml.build_settings`` holds them
#: (domain = the raw source, setting = the var without the source's prefix).
STAGING_LIMITS = {
    "telco_churn": ("max_minutes",),
    "sales_pipeline": ("max_price",),
    "marketing_campaign": ("max_income", "max_spend"),
}


@dataclass(frozen=True)
class Check:
    """A row-level rule applied: ``bad`` marks the rows (of the typed frame) that break it;
    the error names the raw ``column`` and says what to fix (``{column}`` and ``{value}`` are
    filled in), with a separate message when the value is empty."""

    column: str
    bad: np.ndarray
    message: str
    when_empty: str | None = None

    def describe(self, value: str | None) -> str:
        empty = value is None or not str(value).strip()
        template = self.when_empty if (empty and self.when_empty) else self.message
        return template.format(column=self.column, value=value)


@dataclass
class RawFeatures:
    """Featurised records: ``features`` holds the good ones (index = the record's position in
    the input), ``errors`` one row per bad field (:data:`ERROR_COLUMNS`)."""

    features: pd.DataFrame
    errors: pd.DataFrame


@dataclass(frozen=True)
class Domain:
    """A domain the scorer of raw records serves: its raw file, its twin and which model
    scores which row."""

    name: str
    title: str
    #: The raw file the records come from, as people name it.
    file: str
    key: str
    registry: str
    #: Every table the scorer reads (the registry, the build settings and the lookups).
    tables: tuple[str, ...]
    #: The raw file's columns (what a record may hold) and those a record must have.
    columns: tuple[str, ...]
    required: tuple[str, ...]
    featurise: Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], RawFeatures]
    routes: tuple[Route, ...]
    #: One record, for the API documentation, the MLflow models and the benchmarks.
    example: dict = field(default_factory=dict)

    @property
    def lookup_tables(self) -> tuple[str, ...]:
        """The tables besides the registry that featurising the records reads (the build
        settings and the build's lookups)."""
        return tuple(t for t in self.tables if t != self.registry)


def staging_limit(tables: Mapping[str, pd.DataFrame], source: str, name: str) -> float:
    """The staging limit ``name`` of the raw ``source`` as the build published it
    (:data:`STAGING_LIMITS`, in :data:`BUILD_SETTINGS`)."""
    assert name in STAGING_LIMITS[source], (source, name)
    values = settings_of(tables[BUILD_SETTINGS], source)
    if values.get(name) is None:
        raise LookupError(
            f"{BUILD_SETTINGS} has no {source} setting {name!r} (a build older than the "
            f"scorer?); run dbt build to republish the settings"
        )
    return float(values[name])


# --- SQL pieces: the same expressions as the dbt macros (macros/staging/) -------------------


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def clean(column: str) -> str:
    """``clean_text``: trimmed text, empty as null."""
    return f"nullif(trim({quoted(column)}), '')"


def parse(column: str, data_type: str) -> str:
    """``parse_as``: the trimmed text cast to ``data_type``, null when it does not parse."""
    return f"try_cast({clean(column)} as {data_type})"


def identity_digest(prefix: str, columns: Sequence[str]) -> str:
    """``identity_digest``: prefix + the first 16 hex digits of the MD5 of the trimmed values
    joined by the ASCII unit separator."""
    values = ", ".join(f"coalesce(trim({quoted(c)}), '')" for c in columns)
    return f"'{prefix}' || substr(md5(concat_ws(chr(31), {values})), 1, 16)"


# --- Records as text --------------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _as_text(values: pd.Series) -> np.ndarray:
    """A column as Python strings, missing values (None, NaN) as None. JSON numbers and
    booleans become their text (``128`` -> ``'128'``, ``2.5`` -> ``'2.5'``, ``True`` ->
    ``'True'``), as they would read in the file."""
    array = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(array, skipna=True) in ("string", "empty"):
        missing = pd.isna(array)
        if missing.any():
            array = array.copy()
            array[missing] = None
        return array
    return np.array([_text(v) for v in array], dtype=object)


def text_records(raw: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The raw ``columns`` of ``raw`` as text (absent columns as nulls) plus :data:`RECORD`."""
    out = {RECORD: np.arange(len(raw), dtype=np.int64)}
    absent = np.full(len(raw), None, dtype=object)
    for column in columns:
        out[column] = _as_text(raw[column]) if column in raw.columns else absent
    return pd.DataFrame(out, copy=False)


# --- Running the twin -------------------------------------------------------------------------

_DATABASE: duckdb.DuckDBPyConnection | None = None
_DATABASE_LOCK = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on one in-memory database (a cursor is one thread's connection)."""
    global _DATABASE
    with _DATABASE_LOCK:
        if _DATABASE is None:
            _DATABASE = duckdb.connect(":memory:", config={"threads": 1})
        return _DATABASE.cursor()


def run(sql: str, frames: Mapping[str, pd.DataFrame | pa.Table]) -> pd.DataFrame:
    """``sql`` over ``frames`` (registered under their names) in the in-memory database."""
    cursor = _cursor()
    try:
        for name, frame in frames.items():
            cursor.register(name, frame)
        return cursor.execute(sql).df()
    finally:
        cursor.close()


def typed(records: pd.DataFrame, expressions: Sequence[str]) -> pd.DataFrame:
    """One flat DuckDB select of ``expressions`` over ``records`` (parses and digests only: a
    flat select binds in a few milliseconds, where a query with the derivations and checks
    too took several times longer), rows in record order. The records go in as an Arrow table
    of strings (DuckDB reads it ~20% faster than a frame of Python strings)."""
    table = pa.table(
        {
            name: pa.array(
                records[name].to_numpy(),
                type=pa.int64() if name == RECORD else pa.string(),
            )
            for name in records.columns
        }
    )
    sql = f"select {RECORD}, " + ", ".join(expressions) + " from records"
    return run(sql, {"records": table}).sort_values(RECORD).reset_index(drop=True)


def split(
    frame: pd.DataFrame, checks: Sequence[Check], records: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(good rows, errors): the rows of ``frame`` (in record order, with :data:`RECORD`) that
    break no check, indexed by record position; one error per broken check, worded with the
    record's raw value (from ``records``)."""
    raised = (
        np.column_stack([np.asarray(c.bad, dtype=bool) for c in checks])
        if checks
        else np.zeros((len(frame), 0), dtype=bool)
    )
    bad = raised.any(axis=1)
    errors = []
    if bad.any():
        values = records.set_index(RECORD)
        positions = frame[RECORD].to_numpy()
        for row, col in zip(*np.nonzero(raised), strict=True):
            check = checks[col]
            record = int(positions[row])
            value = values.at[record, check.column] if check.column in values.columns else None
            errors.append(
                {
                    "record": record,
                    "column": check.column,
                    "value": value,
                    "message": check.describe(value),
                }
            )
    good = (frame.loc[~bad] if bad.any() else frame).set_index(RECORD)
    good.index.name = None
    errors_frame = pd.DataFrame(errors, columns=ERROR_COLUMNS).sort_values(
        ["record", "column"], kind="mergesort"
    )
    return good, errors_frame.reset_index(drop=True)


def twin_numbers(groups: pd.DataFrame, by: str, order: Sequence[str]) -> np.ndarray:
    """``row_number() over (partition by <by> order by <order>)`` of each row, in the rows'
    own order."""
    if groups[by].is_unique:  # the usual case: no twins (and no sort to pay for)
        return np.ones(len(groups), dtype=np.int64)
    ranked = groups.sort_values([by, *order], kind="mergesort")
    numbers = ranked.groupby(by, sort=False).cumcount() + 1
    return numbers.reindex(groups.index).to_numpy()


def numbers(parsed: pd.DataFrame, column: str) -> np.ndarray:
    """A parsed numeric column as float64, nulls as NaN (comparisons with NaN are false)."""
    return parsed[column].to_numpy(dtype="float64", na_value=np.nan)


def whole_number_checks(
    columns: Mapping[str, str], values: Mapping[str, np.ndarray]
) -> list[Check]:
    """One check per required whole-number column (raw name -> staged name): the value must
    be present and parse (``values``: the parsed columns by staged name, NaN where not)."""
    return [
        Check(
            column,
            np.isnan(values[name]),
            "{column} is '{value}', not a whole number; give one such as 3.",
            "{column} is missing or empty; give a whole number such as 3.",
        )
        for column, name in columns.items()
    ]


def cents_to_double(cents: pd.Series) -> pd.Series:
    """A DuckDB decimal with 2 digits (fetched as whole cents) as DuckDB casts it to double:
    the exact value divided by 100, correctly rounded."""
    return cents.astype("float64") / 100.0


def days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """``datediff('day', start, end)`` of two date columns (null when either is)."""
    days = (pd.to_datetime(end) - pd.to_datetime(start)).dt.days
    return days.astype("float64")

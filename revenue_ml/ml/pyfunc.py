"""The MLflow model of a registered version: raw records in, scores out, no pickle.

Every new version of a model that scores raw records (:func:`revenue_ml.score.route_of`: the
churn, offers and campaign models and their baselines) is logged by
:mod:`revenue_ml.ml.tracking` as an MLflow model with a ``python_function`` flavour, written
with MLflow's "models from code": the model's code is :data:`CODE_FILE` (it only names
:class:`RawRecordModel`, whose code is this installed package), and its artifacts are text and
Parquet files that are parsed, never unpickled:

- ``model.txt`` (LightGBM text) or ``model.json``: the version's portable text
  (:func:`revenue_ml.ml.families.load`);
- ``registry_record.json``: the registry fields scoring reads (name, version, format,
  features, threshold, the training profile the reasons compare with);
- ``lookups/<table>.parquet``: what featurising a raw record reads besides the registry
  (:func:`revenue_ml.score.lookup_tables`), as the build that trained the version published
  it: the staging limits (``ml.build_settings``, those rows only), for offers the statuses and
  the leads the warehouse knows, for campaign the feature parameters and the marital-status
  map. The MLflow model is therefore self-contained: the same version scores the same
  records the same way wherever it is loaded.

Input: records in the raw file's own column names, values as text or numbers (the REST
service's records; the signature lists the columns, every one typed ``Any`` because the
project's own CSV reader gives text). Output: one row per record, in order: the key,
``probability``, ``predicted_label``, ``threshold``, ``model_name``, ``model_version``, and
with the param ``explain`` the explanation columns (:data:`revenue_ml.score.
EXPLANATION_COLUMNS`). A bad record fails the batch with one message naming each record,
column and fix, as the REST service's 422 does (MLflow's scoring server answers 400); so
does a record of the other offers model (an open offer sent to ``offer_close_at_close``).

The predictions are :func:`revenue_ml.score.score_records`' bit for bit when the lookups are
the same (the tests check it): the same twin of the SQL and the same
:func:`revenue_ml.ml.scoring.score`. The REST service scores with the *latest* build's
lookups; a version reused by later builds keeps those of the build that trained it.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb
import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.types.schema import AnyType, ColSpec, ParamSchema, ParamSpec, Schema

import revenue_ml
from revenue_ml import score
from revenue_ml.ml.families.lightgbm import LIGHTGBM_TEXT
from revenue_ml.raw_features import BUILD_SETTINGS, ERROR_COLUMNS, STAGING_LIMITS

#: The models-from-code file every logged model runs at load time.
CODE_FILE = Path(__file__).with_name("mlflow_model_code.py")
#: Artifact names (keys of ``context.artifacts``).
MODEL_ARTIFACT = "model"
RECORD_ARTIFACT = "registry_record"
LOOKUPS_ARTIFACT = "lookups"
#: The registry fields the model keeps besides its text (what :func:`scoring.score` reads).
RECORD_FIELDS = (
    "model_name",
    "model_version",
    "domain",
    "model_format",
    "model_family",
    "feature_names",
    "categorical_features",
    "threshold",
    "training_fingerprint",
    "reference_profile",
    # the parameters: a landmark model keeps the as-of date it ages open entities at
    "params",
)
#: Records one call scores at most (MLflow's scoring server has no body limit of its own).
MAX_RECORDS_ENV = "REVENUE_ML_MLFLOW_MAX_RECORDS"
DEFAULT_MAX_RECORDS = 20_000
#: Errors listed in the message of a refused batch (the total is always given).
MAX_ERRORS_LISTED = 20
#: The distributions the model's code imports, pinned in its requirements at the versions that
#: logged it (revenue_ml itself is not on PyPI: it must be installed where the model is
#: served, hence ``--env-manager local``; see the README).
REQUIREMENTS = (
    "mlflow-skinny",
    "lightgbm",
    "numpy",
    "pandas",
    "pyarrow",
    "duckdb",
    "scikit-learn",
    "scipy",
)


class RecordErrors(ValueError):
    """Records of a batch that cannot be scored: ``errors`` has one row per bad field
    (:data:`revenue_ml.raw_features.ERROR_COLUMNS`)."""

    def __init__(self, model_name: str, records: int, errors: pd.DataFrame) -> None:
        self.errors = errors
        bad = int(errors["record"].nunique())
        lines = [
            f"record {int(e.record)}, {e.column}: {e.message}"
            for e in errors.head(MAX_ERRORS_LISTED).itertuples(index=False)
        ]
        if len(errors) > MAX_ERRORS_LISTED:
            lines.append(f"... and {len(errors) - MAX_ERRORS_LISTED} more")
        super().__init__(
            f"{model_name}: {bad} of {records} record(s) cannot be scored, nothing was scored; "
            f"fix or drop them and send the batch again:\n" + "\n".join(lines)
        )


class BatchTooLargeError(ValueError):
    """A batch above :func:`max_records`."""


def max_records() -> int:
    """$REVENUE_ML_MLFLOW_MAX_RECORDS as a count (unset: :data:`DEFAULT_MAX_RECORDS`)."""
    value = os.environ.get(MAX_RECORDS_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_RECORDS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"{MAX_RECORDS_ENV}={value!r} is not a record count: set a whole number (1 or "
            f"more), or unset it for {DEFAULT_MAX_RECORDS}"
        )
    return int(value)


class VersionScorer:
    """One registered version scoring raw records with the lookups it was logged with: the
    REST scorer's path (:meth:`revenue_ml.score.Scorer.scores`) for one model, MLflow aside.

    ``record``: the registry row's fields (:data:`RECORD_FIELDS`, lists and dicts as the
    registry's JSON text or parsed) and ``model_text``; ``tables``: the domain's
    :func:`revenue_ml.score.lookup_tables`."""

    def __init__(self, record: Mapping, tables: Mapping[str, pd.DataFrame]) -> None:
        found = score.route_of(str(record["model_name"]))
        if found is None:
            raise ValueError(
                f"{record['model_name']} does not score raw records: only the models of "
                f"{', '.join(score.DOMAINS)} (revenue_ml.score.DOMAINS) do"
            )
        self.domain, self.route = found
        needed = score.lookup_tables(self.domain.name)
        missing = [t for t in needed if t not in tables]
        if missing:
            raise LookupError(
                f"scoring {record['model_name']} needs the lookup table(s) "
                f"{', '.join(missing)}; log the version again with them"
            )
        self.tables = {t: tables[t] for t in needed}
        self.record = {
            **record,
            "feature_names": _as_json(record["feature_names"]),
            "categorical_features": _as_json(record["categorical_features"]),
        }
        #: LightGBM threads for big batches, as the REST service (same probabilities).
        self.threads = os.cpu_count() or 1

    @property
    def model_name(self) -> str:
        return str(self.record["model_name"])

    def scores(self, raw: pd.DataFrame, explain: bool = False) -> pd.DataFrame:
        """One row per record of ``raw`` (index 0..n-1, in order): the key,
        :data:`revenue_ml.score.SCORE_COLUMNS` and, with ``explain``, the explanation
        columns. Raises :class:`RecordErrors` when any record cannot be scored."""
        limit = max_records()
        if len(raw) > limit:
            raise BatchTooLargeError(
                f"{self.model_name}: {len(raw)} records in one batch, at most {limit} are "
                f"scored at once ({MAX_RECORDS_ENV}); send the batch in parts"
            )
        result = self.domain.featurise(raw.reset_index(drop=True), self.tables)
        features, errors = result.features, result.errors
        mask = self.route.rows(features)
        if not mask.all():
            errors = pd.concat([errors, self._outside(raw, features.index[~mask])])
        if len(errors):
            errors = errors.sort_values("record", kind="stable")
            raise RecordErrors(self.model_name, len(raw), errors)
        columns = score.SCORE_COLUMNS + (score.EXPLANATION_COLUMNS if explain else [])
        key = self.domain.key
        if not len(features):
            return pd.DataFrame(columns=[key, *columns])
        threads = self.threads if len(features) >= score.Scorer.PARALLEL_MIN_ROWS else 1
        scored = self.route.score(features, self.record, explain, threads)
        out = scored.reindex(columns=[key, *columns])
        out[key] = features[key].to_numpy()
        return out.reset_index(drop=True)

    def _outside(self, raw: pd.DataFrame, positions: pd.Index) -> pd.DataFrame:
        """An error per record this model's route does not take (the other offers model's)."""
        others = [r.model_name for r in self.domain.routes if r is not self.route]
        where = " or ".join(f"models:/{name}@champion" for name in others)
        column = self.route.rows_column or "(record)"
        values = (
            raw[column].iloc[positions].astype(object).where(lambda v: v.notna(), None).tolist()
            if column in raw.columns
            else [None] * len(positions)
        )
        message = (
            f"{self.model_name} scores {self.route.rows_described}, which this record is not; "
            f"score it with {where}"
        )
        return pd.DataFrame(
            {
                "record": np.asarray(positions, dtype=np.int64),
                "column": column,
                "value": values,
                "message": message,
            },
            columns=ERROR_COLUMNS,
        )


def _as_json(value) -> str:
    """A registry list field as the registry's JSON text (what :func:`scoring.score` reads)."""
    return value if isinstance(value, str) else json.dumps(value)


# --- The MLflow model ---------------------------------------------------------------------------


class RawRecordModel(mlflow.pyfunc.PythonModel):
    """The ``python_function`` model :data:`CODE_FILE` names: loads its artifacts into a
    :class:`VersionScorer` and scores raw records (see the module docstring)."""

    def load_context(self, context) -> None:
        self.scorer = load_scorer(context.artifacts)

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):
        explain = bool((params or {}).get("explain", False))
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        try:
            return self.scorer.scores(frame, explain=explain)
        except (RecordErrors, BatchTooLargeError) as err:
            # MLflow's scoring server answers an MlflowException of this kind with a 400
            raise MlflowException.invalid_parameter_value(str(err)) from None


def load_scorer(artifacts: Mapping[str, str]) -> VersionScorer:
    """The :class:`VersionScorer` of a logged model's artifacts (local paths by name)."""
    record = json.loads(Path(artifacts[RECORD_ARTIFACT]).read_text(encoding="utf-8"))
    record["model_text"] = Path(artifacts[MODEL_ARTIFACT]).read_text(encoding="utf-8")
    lookups = Path(artifacts[LOOKUPS_ARTIFACT])
    tables = {path.stem: pd.read_parquet(path) for path in sorted(lookups.glob("*.parquet"))}
    return VersionScorer(record, tables)


# --- Logging --------------------------------------------------------------------------------------


def record_fields(row: Mapping) -> dict:
    """The registry row's :data:`RECORD_FIELDS`, as JSON values (lists and the profile
    parsed), for ``registry_record.json``."""
    out = {}
    for name in RECORD_FIELDS:
        value = row.get(name)
        if name in ("feature_names", "categorical_features", "reference_profile"):
            value = json.loads(value) if isinstance(value, str) and value else value
        elif name == "model_version":
            value = int(value)
        elif name == "threshold":
            value = None if value is None or pd.isna(value) else float(value)
        out[name] = value
    return out


def lookup_frames(domain: str, tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What a logged model of ``domain`` keeps of ``tables``: its lookup tables, the build
    settings cut to the staging limits the twin applies (nothing else of the build's settings,
    such as the tracking URI, leaves the warehouse)."""
    out = {}
    for table in score.lookup_tables(domain):
        frame = tables[table]
        if table == BUILD_SETTINGS:
            wanted = {(d, s) for d, names in STAGING_LIMITS.items() for s in names}
            pairs = zip(frame["domain"], frame["setting"], strict=True)
            frame = frame[[pair in wanted for pair in pairs]]
        out[table] = frame.reset_index(drop=True)
    return out


def write_parquet(frames: Mapping[str, pd.DataFrame], directory: Path) -> None:
    """Each frame as ``<directory>/<name>.parquet``, written by DuckDB as a build publishes its
    snapshot (read back with ``pd.read_parquet`` they equal the snapshot's frames; pandas' own
    writer, through pyarrow, also leaves DuckDB objects alive at the exit of a dbt process)."""
    with duckdb.connect(":memory:") as con:
        for name, frame in frames.items():
            con.register("lookup", frame)
            target = str(directory / f"{name}.parquet").replace("'", "''")
            con.execute(f"copy lookup to '{target}' (format parquet)")
            con.unregister("lookup")


def signature(domain: score.Domain, route: score.Route) -> ModelSignature:
    """Input: the raw file's columns (those a record must have required), values of any type
    (text or numbers, as the REST service takes them); output: the scores; param
    ``explain``."""
    inputs = Schema(
        [
            ColSpec(AnyType(), column, required=column in domain.required)
            for column in domain.columns
        ]
    )
    key_type = "long" if domain.name == "campaign" else "string"
    outputs = Schema(
        [
            ColSpec(key_type, domain.key),
            ColSpec("double", "probability"),
            ColSpec("long", "predicted_label"),
            ColSpec("double", "threshold"),
            ColSpec("string", "model_name"),
            ColSpec("long", "model_version"),
            ColSpec("string", "top_feature", required=False),
            ColSpec("double", "top_feature_contribution", required=False),
            ColSpec("string", "reasons", required=False),
        ]
    )
    params = ParamSchema([ParamSpec("explain", "boolean", False)])
    return ModelSignature(inputs=inputs, outputs=outputs, params=params)


def input_example(domain: score.Domain, route: score.Route) -> pd.DataFrame:
    """One record the route scores (the domain's example, as the REST documentation shows)."""
    return pd.DataFrame([{**domain.example, **route.example_changes}])


@functools.cache
def pip_requirements() -> tuple[str, ...]:
    """The model's requirements: revenue_ml and what its scoring code imports, pinned."""
    pinned = [f"{name}=={importlib.metadata.version(name)}" for name in REQUIREMENTS]
    return (f"revenue_ml=={revenue_ml.__version__}", *pinned)


def servable(model_name: str) -> bool:
    """Whether versions of ``model_name`` are logged as MLflow models (they score raw
    records)."""
    return score.route_of(model_name) is not None


def write_lookups(domain: str, lookups: Mapping[str, pd.DataFrame], directory: Path) -> Path:
    """The lookups a model of ``domain`` keeps (:func:`lookup_frames`) written into the new
    directory ``directory`` (the model's ``lookups`` artifact); ``directory``."""
    directory.mkdir(parents=True)
    write_parquet(lookup_frames(domain, lookups), directory)
    return directory


def save(
    path: Path, row: Mapping, lookups: Mapping[str, pd.DataFrame], written: Path | None = None
) -> None:
    """Write the MLflow model of registry ``row`` (a servable model's) into the new directory
    ``path``; ``lookups``: at least the domain's :func:`revenue_ml.score.lookup_tables`;
    ``written``: where :func:`write_lookups` already wrote them (a build logging several
    versions of a domain writes them once)."""
    domain, route = score.route_of(str(row["model_name"]))
    record = record_fields(row)
    frames = lookup_frames(domain.name, lookups)
    VersionScorer({**record, "model_text": row["model_text"]}, frames)  # fails early if unusable
    with tempfile.TemporaryDirectory(prefix="revenue_ml_mlflow_") as tmp:
        work = Path(tmp)
        suffix = "txt" if row["model_format"] == LIGHTGBM_TEXT else "json"
        model_path = work / f"model.{suffix}"
        model_path.write_text(row["model_text"], encoding="utf-8")
        record_path = work / "registry_record.json"
        record_path.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        tables = written or write_lookups(domain.name, frames, work / LOOKUPS_ARTIFACT)
        mlflow.pyfunc.save_model(
            path=str(path),
            python_model=str(CODE_FILE),
            artifacts={
                MODEL_ARTIFACT: str(model_path),
                RECORD_ARTIFACT: str(record_path),
                LOOKUPS_ARTIFACT: str(tables),
            },
            signature=signature(domain, route),
            input_example=input_example(domain, route),
            pip_requirements=list(pip_requirements()),
            metadata={
                "model_name": str(row["model_name"]),
                "registry_version": int(row["model_version"]),
                "domain": domain.name,
                "training_fingerprint": str(row["training_fingerprint"]),
            },
        )

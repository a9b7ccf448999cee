"""Model registry records and the retrain policy.

Each domain's training model (a dbt Python model, incremental) appends one row per trained
model version in the layout below; `model_registry` unions them. The retrain policy decides
whether a build trains a new version or reuses the latest registered one:

- ``always``: train on every build;
- ``if_data_changed`` (default): reuse the latest version when the training data's fingerprint,
  the feature list and the parameters are unchanged, else train;
- ``never``: always reuse the latest version (train only when none exists).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pandas as pd

POLICIES = ("always", "if_data_changed", "never")

#: Column order of every registry table.
REGISTRY_COLUMNS = (
    "model_name",
    "model_version",
    "model_family",
    "domain",
    "variant",
    "trained_at",
    "training_fingerprint",
    "training_rows",
    "feature_names",
    "categorical_features",
    "params",
    "threshold",
    "primary_metric",
    "primary_metric_value",
    "quality_floor",
    "passed_gate",
    "metrics",
    "evaluation",
    "curves",
    "feature_importance",
    "reference_profile",
    "model_format",
    "model_text",
    "out_of_sample",
    "retrain_policy",
    "retrain_reason",
    "training_threads",
    "training_seconds",
    # champion / challenger (revenue_ml.ml.champion) and the MLflow mirror (ml.tracking)
    "registered_alias",
    "alias_reason",
    "compared_with_version",
    "compared_with_value",
    "promoted_at",
    "mlflow_run_id",
)


def fingerprint(frame: pd.DataFrame, columns: list[str], key: str | None = None) -> str:
    """SHA-256 of the training data (the given columns, rows in key order).

    The same rows in any file order give the same fingerprint; any changed value, added or
    removed row changes it.
    """
    data = frame[[c for c in columns if c in frame.columns]]
    if key is not None:
        data = data.assign(_key=frame[key].astype(str)).sort_values("_key", kind="mergesort")
    hashed = pd.util.hash_pandas_object(data.reset_index(drop=True), index=False)
    digest = hashlib.sha256(hashed.to_numpy().tobytes())
    digest.update(json.dumps(list(data.columns)).encode())
    return digest.hexdigest()


def params_json(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def decide(
    policy: str,
    latest: dict | None,
    training_fingerprint: str,
    feature_names: list[str],
    params: dict,
) -> tuple[bool, str]:
    """Return (train?, reason) for one model under the retrain policy."""
    if policy not in POLICIES:
        raise ValueError(f"retrain_policy {policy!r} is not one of {', '.join(POLICIES)}")
    if latest is None:
        return True, "no registered version"
    if policy == "always":
        return True, "policy always"
    if policy == "never":
        return False, "policy never: reusing the latest version"
    if latest["training_fingerprint"] != training_fingerprint:
        return True, "training data changed"
    if json.loads(latest["feature_names"]) != list(feature_names):
        return True, "feature list changed"
    if json.loads(latest["params"]) != json.loads(params_json(params)):
        return True, "parameters changed"
    return False, "training data unchanged: reusing the latest version"


def json_field(value: object) -> dict:
    """A registry row's JSON field (``metrics``, ``params``, ``reference_profile``, ...) as a
    dict, whether the row holds its text or the parsed value ({} when empty)."""
    if isinstance(value, str) and value:
        return json.loads(value)
    return value if isinstance(value, dict) else {}


def latest_versions(existing: pd.DataFrame | None) -> dict[str, dict]:
    """The latest registered version of each model name, as dicts."""
    if existing is None or existing.empty:
        return {}
    ordered = existing.sort_values(["model_name", "model_version"])
    return {name: grp.iloc[-1].to_dict() for name, grp in ordered.groupby("model_name")}


@dataclass
class RegistryRecord:
    """One trained model version (one registry row)."""

    model_name: str
    model_version: int
    model_family: str
    domain: str
    variant: str
    training_fingerprint: str
    training_rows: int
    feature_names: list[str]
    categorical_features: list[str]
    params: dict
    threshold: float | None
    primary_metric: str
    primary_metric_value: float
    quality_floor: float | None
    metrics: dict
    evaluation: list[dict]
    curves: dict
    feature_importance: list[dict]
    reference_profile: dict
    model_format: str
    model_text: str
    retrain_policy: str
    retrain_reason: str
    #: Each training row's probability from a model that did not see it (binary models).
    out_of_sample: dict = field(default_factory=dict)
    #: Worker threads the training used (revenue_ml.ml.runtime) and its wall time.
    training_threads: int = 1
    training_seconds: float = 0.0
    trained_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))
    #: Alias given at registration (champion | challenger) and why; the champion it was
    #: compared with. Filled by :func:`revenue_ml.ml.lifecycle.register` (None before).
    registered_alias: str | None = None
    alias_reason: str | None = None
    compared_with_version: int | None = None
    compared_with_value: float | None = None
    #: Set only by a manual promotion (``python -m revenue_ml.registry promote``).
    promoted_at: datetime | None = None
    #: The MLflow run that logged this version (when a tracking URI is configured).
    mlflow_run_id: str | None = None

    @property
    def passed_gate(self) -> bool:
        if self.quality_floor is None:
            return True
        return bool(self.primary_metric_value >= self.quality_floor)

    def to_row(self) -> dict:
        row = asdict(self)
        for name in (
            "feature_names",
            "categorical_features",
            "metrics",
            "evaluation",
            "curves",
            "feature_importance",
            "reference_profile",
            "out_of_sample",
        ):
            row[name] = json.dumps(_finite(row[name]), sort_keys=True, default=_json_default)
        row["params"] = params_json(self.params)
        row["passed_gate"] = self.passed_gate
        return {c: row[c] for c in REGISTRY_COLUMNS}


def _finite(value):
    """Replace NaN/inf (not valid JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)


#: Registry columns holding numbers, a time or a flag; every other column is text (JSON).
_TYPED_COLUMNS = {
    "model_version": "int64",
    "training_rows": "int64",
    "threshold": "float64",
    "primary_metric_value": "float64",
    "quality_floor": "float64",
    "training_threads": "int64",
    "training_seconds": "float64",
    "trained_at": "datetime64[ns]",
    "passed_gate": "bool",
}


def records_frame(records: list[RegistryRecord]) -> pd.DataFrame:
    """Registry rows in the shared column order, every column typed even when there is no row
    (a reused model returns an empty frame: untyped text columns would reach DuckDB as type
    NULL, and an incremental registry that gains a column from such a frame could never hold
    a value in it)."""
    frame = pd.DataFrame([r.to_row() for r in records], columns=list(REGISTRY_COLUMNS))
    types = {c: _TYPED_COLUMNS.get(c, "string") for c in REGISTRY_COLUMNS}
    return frame.astype({**types, **REGISTRY_ALIAS_DTYPES})


#: Types of the alias and MLflow columns, so that a build where they are all empty still
#: creates them with their real types (an all-null object column has no type in DuckDB).
REGISTRY_ALIAS_DTYPES = {
    "registered_alias": "string",
    "alias_reason": "string",
    "compared_with_version": "Int64",
    "compared_with_value": "float64",
    "promoted_at": "datetime64[ns]",
    "mlflow_run_id": "string",
}


def typed_registry(frame: pd.DataFrame) -> pd.DataFrame:
    """Registry rows with the alias and MLflow columns in their types (added when absent)."""
    out = frame.copy()
    for column, dtype in REGISTRY_ALIAS_DTYPES.items():
        if column not in out.columns:
            out[column] = None
        out[column] = out[column].astype(dtype)
    return out

"""MLflow mirror of the registry: every newly trained version as a run and a registered version.

The DuckDB registry stays the source of truth; MLflow is where an ML team browses it. When a
tracking URI is configured (var ``mlflow_tracking_uri``, else the environment variable
``MLFLOW_TRACKING_URI``; ``make build`` sets ``sqlite:///<repo>/mlruns.db``), each registry row
a build adds is logged by :func:`log_new_versions` as one run of the experiment
``mlflow_experiment_name``:

- parameters: the registry ``params`` (nested values as JSON), family, format, threshold,
  quality floor, training rows, features;
- metrics: every numeric headline metric per evaluation (``cv_5fold.auc``,
  ``test_split.f1``, ...), the primary metric and the training seconds;
- tags: model name and version, domain, variant, the training-data fingerprint, the dbt
  invocation id, the retrain reason and the alias the version was registered with;
- artifacts: the curves, evaluation rows and feature importance as JSON, and ``model/``:
  for a model that scores raw records (churn, offers, campaign and their baselines:
  :func:`revenue_ml.ml.pyfunc.servable`) an MLflow model with a ``python_function`` flavour
  written from code (:mod:`revenue_ml.ml.pyfunc`: the model's text, its registry record and
  the lookups its features read, with a signature and an input example; never a pickle), so
  ``mlflow.pyfunc.load_model("models:/churn_lightgbm@champion")`` and ``mlflow models serve``
  work; for the others (forecasts, segmentations) the model in its portable text format
  (``model/model.txt`` for LightGBM text, ``model/model.json`` otherwise) with
  ``model/registry_record.json`` (format, features, threshold).

The run's ``model`` directory is registered as a new version of the registered model of the
same name (tag ``registry_version`` = the registry's version), and the aliases ``champion`` /
``challenger`` are set to the registry's current ones (:func:`revenue_ml.ml.champion.
current_aliases`). Reused versions log nothing. Anything that fails (store unreachable,
locked, read-only) is reported as a warning line and the registry rows are returned all the
same: MLflow never fails a build and never loses a registry row; an MLflow model that cannot
be written warns and the version is logged with its text as for the other models. A sqlite
store is checked first (:func:`preflight`), because MLflow itself retries an unopenable one
for ~100 s; HTTP stores get no retries and a 5 s timeout unless the environment says
otherwise.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from revenue_ml.ml import champion as aliases
from revenue_ml.ml.families.lightgbm import LIGHTGBM_TEXT
from revenue_ml.ml.runtime import progress
from revenue_ml.settings import RegistrySettings

#: MLflow's longest parameter value (longer ones are cut, with a marker).
MAX_PARAM_LENGTH = 6000
#: Most params / metrics / tags one ``log_batch`` call takes.
BATCH_LIMIT = 100
#: dbt runs Python models in threads of one process: MLflow is used by one at a time.
_LOCK = threading.Lock()


def _fail_fast_environment() -> None:
    """Bound MLflow's waits on an unreachable server (defaults: 7 retries, ~4 minutes)."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # a progress bar per artifact copied would fill the build's log
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (``sqlite:////abs`` or ``sqlite:///rel``)."""
    prefix = "sqlite:///"
    return Path(uri[len(prefix) :]) if uri.startswith(prefix) else None


def preflight(uri: str, lock_timeout_s: float = 2.0) -> None:
    """Fail within ``lock_timeout_s`` when MLflow could not write a sqlite store (MLflow's own
    engine retries an unopenable file for ~100 s); nothing for other stores."""
    path = sqlite_path(uri)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=lock_timeout_s)
    try:
        con.execute("BEGIN IMMEDIATE")  # the write lock, within the timeout
        con.execute("CREATE TABLE IF NOT EXISTS _revenue_ml_preflight (x INTEGER)")
        con.execute("ROLLBACK")
    finally:
        con.close()


def artifact_location(uri: str) -> str | None:
    """Where a new experiment keeps its artifacts: ``mlruns/`` beside a sqlite store (the
    default would be relative to whichever directory the first run started in)."""
    path = sqlite_path(uri)
    return (path.resolve().parent / "mlruns").as_uri() if path is not None else None


def _key(name: str) -> str:
    """A metric or param name MLflow accepts (letters, digits, ``_-. /``)."""
    return re.sub(r"[^A-Za-z0-9_\-. /]", "_", str(name))


def _param_value(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_PARAM_LENGTH else text[: MAX_PARAM_LENGTH - 12] + "...(cut)"


def _finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def run_params(row: dict) -> dict[str, str]:
    """The run's parameters: the registry ``params`` plus what identifies the model."""
    params = {_key(k): _param_value(v) for k, v in json.loads(row["params"]).items()}
    params.update(
        {
            "model_family": str(row["model_family"]),
            "model_format": str(row["model_format"]),
            "threshold": _param_value(None if pd.isna(row["threshold"]) else row["threshold"]),
            "quality_floor": _param_value(
                None if pd.isna(row["quality_floor"]) else row["quality_floor"]
            ),
            "training_rows": str(int(row["training_rows"])),
            "feature_names": _param_value(json.loads(row["feature_names"])),
            "categorical_features": _param_value(json.loads(row["categorical_features"])),
        }
    )
    return params


def run_metrics(row: dict) -> dict[str, float]:
    """Every finite numeric metric, ``<evaluation>.<metric>``, plus the primary metric (as
    ``primary.<evaluation>.<metric>``) and the training seconds."""
    out = {}
    for evaluation, values in json.loads(row["metrics"]).items():
        if isinstance(values, dict):
            for metric, value in values.items():
                if (number := _finite(value)) is not None:
                    out[_key(f"{evaluation}.{metric}")] = number
        elif (number := _finite(values)) is not None:
            out[_key(evaluation)] = number
    if (number := _finite(row["primary_metric_value"])) is not None:
        out[_key(f"primary.{row['primary_metric']}")] = number
    out["training_seconds"] = float(row["training_seconds"])
    return out


def run_tags(row: dict, settings: RegistrySettings) -> dict[str, str]:
    tags = {
        "mlflow.runName": f"{row['model_name']}_v{int(row['model_version'])}",
        "model_name": str(row["model_name"]),
        "registry_version": str(int(row["model_version"])),
        "domain": str(row["domain"]),
        "variant": str(row["variant"]),
        "model_family": str(row["model_family"]),
        "training_fingerprint": str(row["training_fingerprint"]),
        "dbt_invocation_id": str(settings.dbt_invocation_id or ""),
        "retrain_policy": str(row["retrain_policy"]),
        "retrain_reason": str(row["retrain_reason"]),
        "primary_metric": str(row["primary_metric"]),
        "passed_gate": str(bool(row["passed_gate"])).lower(),
        "registered_alias": str(row.get("registered_alias") or ""),
        "alias_reason": str(row.get("alias_reason") or ""),
        "dataset": str(settings.dataset_label or "demo data (generated)"),
        "registered_model": settings.registered_name(str(row["model_name"])),
    }
    return {k: v[:5000] for k, v in tags.items()}


def _record_summary(row: dict) -> dict:
    """What reading the model needs besides its text (kept with it in the run)."""
    return {
        "model_name": row["model_name"],
        "model_version": int(row["model_version"]),
        "model_format": row["model_format"],
        "model_family": row["model_family"],
        "feature_names": json.loads(row["feature_names"]),
        "categorical_features": json.loads(row["categorical_features"]),
        "threshold": None if pd.isna(row["threshold"]) else float(row["threshold"]),
        "training_fingerprint": row["training_fingerprint"],
    }


def _chunks(items: list, size: int = BATCH_LIMIT) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


@contextlib.contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow's INFO lines (validating the input example...) kept out of the build's log."""
    logger = logging.getLogger("mlflow")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Lookups:
    """The tables an MLflow model of a domain keeps (:func:`revenue_ml.score.lookup_tables`),
    as the build passed them (frames, or dbt relations read only when a servable version is
    logged: a build that logs nothing reads nothing)."""

    def __init__(self, tables: Mapping[str, object] | None) -> None:
        self._given = dict(tables or {})
        self._frames: dict[str, pd.DataFrame] = {}
        self._written: dict[str, Path] = {}
        self._directory: tempfile.TemporaryDirectory | None = None

    def written(self, domain: str, frames: Mapping[str, pd.DataFrame]) -> Path:
        """The domain's lookups as the models' Parquet files, written once per build."""
        from revenue_ml.ml import pyfunc

        if domain not in self._written:
            if self._directory is None:
                self._directory = tempfile.TemporaryDirectory(
                    prefix="revenue_ml_lookups_", ignore_cleanup_errors=True
                )
            # MLflow keeps an artifact directory's name: the models' is "lookups"
            target = Path(self._directory.name) / domain / pyfunc.LOOKUPS_ARTIFACT
            self._written[domain] = pyfunc.write_lookups(domain, frames, target)
        return self._written[domain]

    def close(self) -> None:
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None
            self._written.clear()

    def for_domain(self, domain: str) -> dict[str, pd.DataFrame] | None:
        """The domain's tables as frames; None when one was not given."""
        from revenue_ml.score import lookup_tables

        needed = lookup_tables(domain)
        if any(t not in self._given for t in needed):
            return None
        for table in needed:
            if table not in self._frames:
                value = self._given[table]
                if not isinstance(value, pd.DataFrame):
                    from revenue_ml.dbt import frame

                    value = frame(value)
                self._frames[table] = value
        return {t: self._frames[t] for t in needed}


class Mirror:
    """One MLflow store (tracking + model registry at the same URI) and experiment."""

    def __init__(self, uri: str) -> None:
        _fail_fast_environment()
        preflight(uri)
        # pyfunc first: it imports MLflow whole, one thread at a time (revenue_ml.ml.libraries)
        from revenue_ml.ml import pyfunc  # noqa: F401, I001
        from mlflow import MlflowClient

        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def experiment_id(self, name: str) -> str:
        """The experiment's id, created (artifacts beside a sqlite store) when absent."""
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        return self.client.create_experiment(name, artifact_location=artifact_location(self.uri))

    def log_version(
        self, row: dict, settings: RegistrySettings, lookups: Lookups | None = None
    ) -> str:
        """Log one registry row as a finished run (its ``model`` directory an MLflow model
        when :meth:`log_model` can write one); return its run id."""
        from mlflow.entities import Metric, Param

        trained = pd.Timestamp(row["trained_at"])
        started_ms = int(trained.timestamp() * 1000) if not pd.isna(trained) else None
        run = self.client.create_run(
            self.experiment_id(settings.mlflow_experiment_name),
            start_time=started_ms,
            tags=run_tags(row, settings),
        )
        run_id = run.info.run_id
        now = int(time.time() * 1000)
        metrics = [Metric(k, v, now, 0) for k, v in run_metrics(row).items()]
        params = [Param(k, v) for k, v in run_params(row).items()]
        for chunk in _chunks(metrics):
            self.client.log_batch(run_id, metrics=chunk)
        for chunk in _chunks(params):
            self.client.log_batch(run_id, params=chunk)
        if not self.log_model(run_id, row, lookups or Lookups(None)):
            suffix = "txt" if row["model_format"] == LIGHTGBM_TEXT else "json"
            self.client.log_text(run_id, row["model_text"], f"model/model.{suffix}")
            self.client.log_dict(run_id, _record_summary(row), "model/registry_record.json")
        for name in ("curves", "evaluation", "feature_importance"):
            self.client.log_text(run_id, row[name], f"{name}.json")
        self.client.set_terminated(run_id, "FINISHED")
        return run_id

    def log_model(self, run_id: str, row: dict, lookups: Lookups) -> bool:
        """Log the run's ``model`` directory as an MLflow model (:func:`revenue_ml.ml.pyfunc.
        save`) when the model scores raw records and the build gave its lookups; whether it
        did (a failure warns: the caller logs the text instead)."""
        from revenue_ml import score
        from revenue_ml.ml import pyfunc

        name = str(row["model_name"])
        if not pyfunc.servable(name):
            return False
        label = f"{name} v{int(row['model_version'])}"
        domain = score.route_of(name)[0].name
        try:
            tables = lookups.for_domain(domain)
            if tables is None:
                _warn(f"{label} logged without an MLflow model: the build gave no {domain} lookups")
                return False
            with tempfile.TemporaryDirectory(prefix="revenue_ml_mlflow_") as tmp:
                with _quiet_mlflow():
                    written = lookups.written(domain, tables)
                    pyfunc.save(Path(tmp) / "model", row, tables, written)
                self.client.log_artifacts(run_id, str(Path(tmp) / "model"), "model")
            return True
        except Exception as err:  # noqa: BLE001 - the text is logged instead
            _warn(
                f"{label}: MLflow model not written ({type(err).__name__}: {err}); its text "
                f"is logged instead"
            )
            return False

    def register_version(self, row: dict, run_id: str, settings: RegistrySettings) -> str:
        """Register the run's ``model`` directory as a version of the model (under its
        registered name, :meth:`RegistrySettings.registered_name`); its version."""
        from mlflow.exceptions import MlflowException

        name = settings.registered_name(str(row["model_name"]))
        dataset = str(settings.dataset_label or "demo data (generated)")
        try:
            self.client.create_registered_model(
                name,
                description=f"revenue_ml registry model {row['model_name']} (domain "
                f"{row['domain']}), built on {dataset}",
                tags={"dataset": dataset},
            )
        except MlflowException as err:
            if err.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        artifact_uri = self.client.get_run(run_id).info.artifact_uri
        version = self.client.create_model_version(
            name,
            source=f"{artifact_uri}/model",
            run_id=run_id,
            tags={
                "registry_version": str(int(row["model_version"])),
                "training_fingerprint": str(row["training_fingerprint"]),
                "model_format": str(row["model_format"]),
                "dataset": dataset,
            },
        )
        return str(version.version)  # an int from a sqlite store, a str over REST

    def registry_versions(self, name: str) -> dict[int, str]:
        """Registry version -> MLflow version of a registered model (by the tag)."""
        out: dict[int, str] = {}
        for mv in self.client.search_model_versions(f"name='{name}'"):
            tag = (mv.tags or {}).get("registry_version")
            if tag is None or not tag.isdigit():
                continue
            # a rebuilt warehouse numbers from 1 again: the newest MLflow version wins
            if int(tag) not in out or int(mv.version) > int(out[int(tag)]):
                out[int(tag)] = str(mv.version)
        return out

    def mirror_aliases(
        self, name: str, registry: pd.DataFrame, registered: str | None = None
    ) -> dict[str, str | None]:
        """Point the MLflow aliases of ``name`` (registered as ``registered``, default the same
        name) at the registry's current champion and challenger (an alias whose version is not
        in MLflow is removed); what was set."""
        from mlflow.exceptions import MlflowException

        current = aliases.current_aliases(registry[registry["model_name"] == name])
        name = registered or name
        by_alias = {
            a: int(v) for a, v in zip(current["alias"], current["model_version"], strict=True) if a
        }
        versions = self.registry_versions(name)
        if not versions:
            return {}
        done: dict[str, str | None] = {}
        for alias in aliases.ALIASES:
            target = versions.get(by_alias.get(alias, -1))
            if target is not None:
                self.client.set_registered_model_alias(name, alias, target)
            else:
                try:
                    self.client.delete_registered_model_alias(name, alias)
                except MlflowException:
                    pass  # it was not set
            done[alias] = target
        return done


def _warn(message: str) -> None:
    progress(f"WARNING: MLflow: {message}")


def log_new_versions(
    rows: pd.DataFrame,
    existing: pd.DataFrame | None,
    settings: RegistrySettings,
    lookups: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Log each of this build's new registry ``rows`` to MLflow, register it and mirror the
    aliases; ``rows`` with ``mlflow_run_id`` set for those logged. Failures warn only.
    ``lookups``: the tables the domain's MLflow models keep (table name -> frame or dbt
    relation, :func:`revenue_ml.score.lookup_tables`); without them the models are logged as
    text only."""
    uri = settings.tracking_uri
    out = rows.copy()
    if not uri or out.empty:
        return out
    with _LOCK:
        began = time.monotonic()
        try:
            mirror = Mirror(uri)
        except Exception as err:  # noqa: BLE001 - never fail a build over MLflow
            _warn(f"store {uri} unusable, nothing logged ({type(err).__name__}: {err})")
            return out
        logged = 0
        tables = Lookups(lookups)
        try:
            for idx in out.index:
                row = out.loc[idx].to_dict()
                label = f"{row['model_name']} v{int(row['model_version'])}"
                try:
                    run_id = mirror.log_version(row, settings, tables)
                    out.at[idx, "mlflow_run_id"] = run_id
                    mirror.register_version(row, run_id, settings)
                    logged += 1
                except Exception as err:  # noqa: BLE001
                    _warn(
                        f"{label} not logged ({type(err).__name__}: {err}); the registry row "
                        f"is kept"
                    )
        finally:
            tables.close()
        history = out if existing is None or existing.empty else aliases.append_rows(existing, out)
        for name in sorted(out["model_name"].unique()):
            try:
                mirror.mirror_aliases(name, history, settings.registered_name(name))
            except Exception as err:  # noqa: BLE001
                _warn(f"aliases of {name} not mirrored ({type(err).__name__}: {err})")
        progress(f"MLflow: {logged} version(s) logged to {uri} in {time.monotonic() - began:.1f} s")
    return out


def mirror_promotion(
    uri: str, name: str, registry: pd.DataFrame, prefix: str = ""
) -> dict[str, str | None]:
    """After a manual promotion: point the MLflow aliases of ``name`` (registered with the
    build's ``prefix``) at the registry's (the caller warns on failure)."""
    with _LOCK:
        return Mirror(uri).mirror_aliases(name, registry, f"{prefix}{name}")


#: Where a version's model card is logged in its MLflow run.
CARD_ARTIFACT = "model_card.md"


def log_cards(cards: pd.DataFrame, registry: pd.DataFrame, settings: RegistrySettings) -> int:
    """Log each card (``ml.model_cards``: model_version_id, card_markdown) to its version's
    MLflow run (the registry's ``mlflow_run_id``) as :data:`CARD_ARTIFACT`, once: a run that
    has one keeps it (the card as of the build that first logged it; the warehouse holds the
    current one). The number logged; failures warn only."""
    uri = settings.tracking_uri
    if not uri or cards.empty or "mlflow_run_id" not in registry.columns:
        return 0
    runs = registry.dropna(subset=["mlflow_run_id"]).set_index("model_version_id")["mlflow_run_id"]
    wanted = cards[cards["model_version_id"].isin(runs.index)]
    if wanted.empty:
        return 0
    logged = 0
    with _LOCK:
        try:
            mirror = Mirror(uri)
        except Exception as err:  # noqa: BLE001 - never fail a build over MLflow
            _warn(f"store {uri} unusable, no card logged ({type(err).__name__}: {err})")
            return 0
        for row in wanted.sort_values("model_version_id").itertuples(index=False):
            run_id = str(runs[row.model_version_id])
            try:
                present = {a.path for a in mirror.client.list_artifacts(run_id)}
                if CARD_ARTIFACT in present:
                    continue
                mirror.client.log_text(run_id, str(row.card_markdown), CARD_ARTIFACT)
                logged += 1
            except Exception as err:  # noqa: BLE001
                _warn(f"card of {row.model_version_id} not logged ({type(err).__name__}: {err})")
    if logged:
        progress(f"MLflow: {logged} model card(s) logged to {uri}")
    return logged

"""Champion and challenger (revenue_ml.ml.champion, lifecycle.register) and the MLflow mirror
(revenue_ml.ml.tracking) against a real local MLflow store: package level, small data."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import lightgbm_params, mlflow_store, toy_rows, toy_spec

from revenue_ml.ml import champion, lifecycle, runtime
from revenue_ml.ml.binary import BinaryTrainer
from revenue_ml.ml.families import LightGBM
from revenue_ml.ml.registry import typed_registry
from revenue_ml.settings import RegistrySettings

T0 = datetime(2026, 1, 1)


def row(version: int, value: float, **kw) -> dict:
    """A registry row with what the alias rule reads."""
    base = {
        "model_name": "m",
        "model_version": version,
        "trained_at": T0 + timedelta(days=version),
        "primary_metric": "cv_5fold.auc",
        "primary_metric_value": value,
        "quality_floor": None,
        "passed_gate": True,
        "registered_alias": None,
        "promoted_at": pd.NaT,
    }
    return {**base, **kw}


def test_a_new_version_takes_over_only_when_at_least_as_good_within_the_margin() -> None:
    current = row(1, 0.80)
    assert champion.decide_alias(row(2, 0.80), current, 0.0).alias == "champion"  # a tie wins
    assert champion.decide_alias(row(2, 0.81), current, 0.0).alias == "champion"
    worse = champion.decide_alias(row(2, 0.79), current, 0.0)
    assert worse.alias == "challenger" and worse.compared_with_version == 1
    assert "0.7900 not >= 0.8000" in worse.reason and "champion v1 0.8000" in worse.reason
    assert champion.decide_alias(row(2, 0.79), current, 0.02).alias == "champion"  # tolerated
    assert champion.decide_alias(row(2, 0.805), current, -0.01).alias == "challenger"  # not +0.01
    # a metric where lower is better (the enrollment WAPE)
    wape = {"primary_metric": "backtest.wape"}
    assert champion.decide_alias(row(2, 0.20, **wape), row(1, 0.25, **wape), 0).alias == "champion"
    assert champion.decide_alias(row(2, 0.30, **wape), row(1, 0.25, **wape), 0).alias == (
        "challenger"
    )
    # below the gate: never champion; no champion yet: the first passing version is
    failed = champion.decide_alias(row(2, 0.9, passed_gate=False, quality_floor=0.95), None, 0)
    assert failed.alias == "challenger" and "quality gate" in failed.reason
    assert champion.decide_alias(row(1, 0.5), None, 0.0).alias == "champion"
    # another evaluation is not comparable: the new version takes over, and says why
    changed = champion.decide_alias(row(2, 0.7, primary_metric="time_holdout.auc"), current, 0)
    assert changed.alias == "champion" and "not comparable" in changed.reason


def test_a_version_that_does_not_beat_its_baseline_does_not_take_over() -> None:
    def compared(beats: float) -> str:
        return json.dumps(
            {
                "baseline_comparison": {
                    "beats_baseline": beats,
                    "lift": 0.004 if not beats else 0.02,
                    "margin": 0.01,
                    "metric": "repeated.auc",
                    "baseline": "m_baseline",
                }
            }
        )

    current = row(1, 0.80)
    lost = champion.decide_alias(row(2, 0.85, metrics=compared(0.0)), current, 0.0)
    assert lost.alias == "challenger" and lost.compared_with_version == 1
    assert (
        "does not beat its baseline m_baseline" in lost.reason and "0.0040 < 0.0100" in lost.reason
    )
    assert champion.decide_alias(row(2, 0.85, metrics=compared(1.0)), current, 0.0).alias == (
        "champion"
    )
    # not compared (no baseline registered yet): the usual rule
    assert champion.decide_alias(row(2, 0.85, metrics="{}"), current, 0.0).alias == "champion"
    # a champion that loses to its baseline too: the usual rule (a newer, as good version)
    losing = row(1, 0.85, metrics=compared(0.0))
    assert champion.decide_alias(row(2, 0.85, metrics=compared(0.0)), losing, 0.0).alias == (
        "champion"
    )
    # a first version serves even when it loses, and says so
    first = champion.decide_alias(row(1, 0.85, metrics=compared(0.0)), None, 0.0)
    assert first.alias == "champion" and "does not beat its baseline" in first.reason


def test_current_aliases_follow_registrations_and_promotions() -> None:
    history = pd.DataFrame([row(1, 0.80, registered_alias="champion")])
    new = champion.decide_new_versions(pd.DataFrame([row(2, 0.78)]), history, 0.0)
    assert new.loc[0, "registered_alias"] == "challenger"
    registry = champion.append_rows(history, new)
    assert champion.current_champion(registry, "m")["model_version"] == 1  # scoring keeps v1
    aliases = dict(champion.current_aliases(registry)[["model_version", "alias"]].values)
    assert aliases == {1: "champion", 2: "challenger"}
    # a manual promotion of v2 makes it the champion
    registry.loc[registry["model_version"] == 2, "promoted_at"] = T0 + timedelta(days=10)
    assert champion.current_champion(registry, "m")["model_version"] == 2
    aliases = dict(champion.current_aliases(registry)[["model_version", "alias"]].values)
    assert aliases == {1: None, 2: "champion"}
    # the next version is compared with the promoted champion (v2, 0.78) and beats it
    later = champion.decide_new_versions(
        pd.DataFrame([row(3, 0.79, trained_at=T0 + timedelta(days=11))]), registry, 0.0
    )
    assert later.loc[0, "registered_alias"] == "champion"
    assert later.loc[0, "compared_with_version"] == 2
    registry = champion.append_rows(registry, later)
    assert lifecycle.champion(registry, "m")["model_version"] == 3


def test_two_new_versions_in_one_build_are_compared_in_order() -> None:
    new = champion.decide_new_versions(pd.DataFrame([row(2, 0.9), row(1, 0.8)]), None, 0.0)
    by_version = new.set_index("model_version")
    assert by_version.loc[1, "registered_alias"] == "champion"
    assert by_version.loc[2, "registered_alias"] == "champion"
    assert by_version.loc[2, "compared_with_version"] == 1


def test_rows_registered_before_aliases_keep_the_newest_passing_version_scoring() -> None:
    legacy = pd.DataFrame([row(1, 0.8), row(2, 0.9), row(3, 0.4, passed_gate=False)]).drop(
        columns=["registered_alias", "promoted_at"]
    )
    assert lifecycle.champion(legacy, "m")["model_version"] == 2
    with pytest.raises(LookupError, match="no registered version of other"):
        lifecycle.champion(legacy, "other")


# --- register(): aliases in the rows, MLflow when configured -------------------------------------


def _frame(n: int = 200, seed: int = 0, noise: float = 0.5) -> pd.DataFrame:
    return toy_rows(n, seed, noise)


def _trainers() -> list[BinaryTrainer]:
    spec = toy_spec(name="toy_lightgbm", variant="all", params=lightgbm_params(15))
    return [BinaryTrainer(spec, LightGBM, 0.5)]


def _settings(
    uri: str | None, margin: float = 0.0, prefix: str = "", dataset: str = ""
) -> RegistrySettings:
    return RegistrySettings(
        champion_margin=margin,
        mlflow_tracking_uri=uri,
        mlflow_experiment_name="revenue_ml_tests",
        mlflow_model_prefix=prefix,
        dataset_label=dataset,
        dbt_invocation_id="test-invocation",
    )


def test_without_a_tracking_uri_nothing_is_logged(monkeypatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    trained = lifecycle.train_or_reuse(_frame(), _trainers(), None, "always")
    rows = lifecycle.register(trained, None, _settings(None))
    assert rows["registered_alias"].tolist() == ["champion"]
    assert rows["mlflow_run_id"].isna().all()
    assert str(rows["promoted_at"].dtype).startswith("datetime64")


def test_an_unusable_store_warns_and_keeps_the_rows(monkeypatch) -> None:
    lines: list[str] = []
    monkeypatch.setattr(runtime, "_reporter", lines.append)
    trained = lifecycle.train_or_reuse(_frame(), _trainers(), None, "always")
    began = time.monotonic()
    # a directory that cannot be created: MLflow would retry ~100 s, the preflight fails at once
    rows = lifecycle.register(trained, None, _settings("sqlite:////proc/revenue_ml_no/m.db"))
    assert time.monotonic() - began < 15
    assert len(rows) == 1 and rows["registered_alias"].tolist() == ["champion"]
    assert rows["mlflow_run_id"].isna().all()
    assert any(line.startswith("WARNING: MLflow: store") for line in lines), lines


def test_new_versions_are_logged_registered_and_aliased_in_a_real_store(
    tmp_path: Path, mlflow_store_template: Path
) -> None:
    from mlflow import MlflowClient

    uri = mlflow_store(mlflow_store_template, tmp_path)
    settings = _settings(uri)
    first = lifecycle.register(
        lifecycle.train_or_reuse(_frame(), _trainers(), None, "always"), None, settings
    )
    # a retrain on noisier data scores lower: it is registered as challenger
    second = lifecycle.register(
        lifecycle.train_or_reuse(_frame(seed=1, noise=3.0), _trainers(), first, "always"),
        first,
        settings,
    )
    assert second.loc[0, "registered_alias"] == "challenger", second.loc[0, "alias_reason"]
    registry = typed_registry(champion.append_rows(first, second))
    assert lifecycle.champion(registry, "toy_lightgbm")["model_version"] == 1

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    run = client.get_run(first.loc[0, "mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.tags["training_fingerprint"] == first.loc[0, "training_fingerprint"]
    assert run.data.tags["dbt_invocation_id"] == "test-invocation"
    assert run.data.tags["registry_version"] == "1"
    assert run.data.params["num_boost_round"] == "15" and run.data.params["threshold"]
    metrics = json.loads(first.loc[0, "metrics"])
    assert run.data.metrics["test_split.auc"] == pytest.approx(metrics["test_split"]["auc"])
    assert "cv_3fold.auc" in run.data.metrics and "primary.cv_3fold.auc" in run.data.metrics
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"model", "curves.json", "evaluation.json", "feature_importance.json"} <= artifacts
    model_text = client.download_artifacts(run.info.run_id, "model/model.txt", str(tmp_path))
    assert Path(model_text).read_text() == first.loc[0, "model_text"]  # the text, no pickle

    versions = {
        mv.tags["registry_version"]: mv.version
        for mv in client.search_model_versions("name='toy_lightgbm'")
    }
    assert set(versions) == {"1", "2"}
    aliases = client.get_registered_model("toy_lightgbm").aliases
    assert {a: str(v) for a, v in aliases.items()} == {
        "champion": str(versions["1"]),
        "challenger": str(versions["2"]),
    }
    # a promotion mirrored: the aliases follow the registry
    registry.loc[registry["model_version"] == 2, "promoted_at"] = pd.Timestamp.now()
    from revenue_ml.ml import tracking

    tracking.mirror_promotion(uri, "toy_lightgbm", registry)
    aliases = client.get_registered_model("toy_lightgbm").aliases
    assert {a: str(v) for a, v in aliases.items()} == {"champion": str(versions["2"])}


def test_a_build_of_other_data_registers_under_its_own_names_with_the_dataset_named(
    tmp_path: Path, mlflow_store_template: Path
) -> None:
    """The real-data build (config/shared_datasets.yml) logs to the demo's store without mixing
    versions: its models are registered with the prefix, every run and version names the
    dataset, and a promotion moves the prefixed model's aliases."""
    from mlflow import MlflowClient

    uri = mlflow_store(mlflow_store_template, tmp_path)
    demo = lifecycle.register(
        lifecycle.train_or_reuse(_frame(), _trainers(), None, "always"), None, _settings(uri)
    )
    real_settings = _settings(uri, prefix="real_", dataset="real public datasets")
    real = lifecycle.register(
        lifecycle.train_or_reuse(_frame(seed=3), _trainers(), None, "always"), None, real_settings
    )
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    names = {m.name for m in client.search_registered_models()}
    assert {"toy_lightgbm", "real_toy_lightgbm"} <= names
    assert len(client.search_model_versions("name='real_toy_lightgbm'")) == 1
    assert len(client.search_model_versions("name='toy_lightgbm'")) == 1
    run = client.get_run(real.loc[0, "mlflow_run_id"])
    assert run.data.tags["dataset"] == "real public datasets"
    assert run.data.tags["registered_model"] == "real_toy_lightgbm"
    assert (
        client.get_run(demo.loc[0, "mlflow_run_id"]).data.tags["dataset"] == "demo data (generated)"
    )
    (version,) = client.search_model_versions("name='real_toy_lightgbm'")
    assert version.tags["dataset"] == "real public datasets"
    aliases = client.get_registered_model("real_toy_lightgbm").aliases
    assert {a: str(v) for a, v in aliases.items()} == {"champion": str(version.version)}

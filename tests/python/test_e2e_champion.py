"""Champion / challenger and the MLflow mirror end to end, on a copy of the session's small
warehouse: a retrain that is not better than the champion is registered as challenger (logged
to a real MLflow store) and the scores keep the champion; a promotion makes it the champion
with an audit row, the MLflow aliases follow, and both survive a later build that reuses the
models and logs nothing new."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import DbtResult, mlflow_store, query_frame, run_dbt

from revenue_ml import registry as registry_cli
from revenue_ml import snapshot
from revenue_ml.ml import champion

pytestmark = pytest.mark.e2e

SELECT = ["-s", "churn_model_versions", "churn_predictions", "churn_scores", "model_registry"]
#: A new version must beat the champion's CV AUC by 1 (impossible): it is a challenger. One
#: search candidate keeps the retrain quick; both builds use the same vars. The baseline margin
#: of -1 keeps the random forest from scoring instead (this test is about the champion rule).
VARS = "{churn_search_max_candidates: 1, champion_margin: -1, churn_baseline_margin: -1}"


@pytest.fixture(scope="module")
def flow(
    small_warehouse: DbtResult,
    small_raw_dir: Path,
    mlflow_store_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    """Retrain (challengers), promote churn_lightgbm v2, rebuild (reuse): what each step left."""
    work = tmp_path_factory.mktemp("champion_e2e")
    db = work / "warehouse.duckdb"
    shutil.copyfile(small_warehouse.duckdb_path, db)
    uri = mlflow_store(mlflow_store_template, work / "mlflow")
    env = {"MLFLOW_TRACKING_URI": uri}
    retrain = run_dbt(
        ["build", *SELECT],
        raw_dir=small_raw_dir,
        work_dir=work,
        duckdb_path=db,
        vars_yaml=VARS.replace("{", "{retrain_policy: always, "),
        env=env,
    ).check()
    after_retrain = {
        "registry": query_frame(db, "select * exclude (model_text) from ml.model_registry"),
        "scores": query_frame(db, "select distinct model_version from churn.churn_scores"),
        "log": retrain.output,
    }
    return {"db": db, "uri": uri, "work": work, "env": env, "retrain": after_retrain}


def assert_sql_aliases_match_python(db: Path) -> None:
    """``alias`` in ml.model_registry (SQL) is what revenue_ml.ml.champion computes."""
    tables = query_frame(
        db,
        "select table_name from information_schema.tables "
        "where table_schema = 'ml' and table_name like '%_model_versions'",
    )["table_name"]
    versions = pd.concat(
        [query_frame(db, f"select * exclude (model_text) from ml.{t}") for t in tables],
        ignore_index=True,
    )
    python = champion.current_aliases(versions)
    sql = query_frame(db, "select model_name, model_version, alias from ml.model_registry")
    joined = sql.merge(python, on=["model_name", "model_version"], suffixes=("_sql", "_py"))
    assert len(joined) == len(sql) == len(python)
    same = (joined["alias_sql"] == joined["alias_py"]) | (
        joined["alias_sql"].isna() & joined["alias_py"].isna()
    )
    assert same.all(), joined[~same]


def churn_rows(registry: pd.DataFrame) -> pd.DataFrame:
    rows = registry[registry["model_name"] == "churn_lightgbm"]
    return rows.set_index("model_version").sort_index()


def test_a_retrain_that_is_not_better_is_a_challenger_and_scoring_keeps_the_champion(
    flow: dict,
) -> None:
    rows = churn_rows(flow["retrain"]["registry"])
    assert list(rows.index) == [1, 2]
    assert rows.loc[2, "registered_alias"] == "challenger"
    assert "margin -1" in rows.loc[2, "alias_reason"]
    assert rows.loc[2, "compared_with_version"] == 1
    assert rows.loc[1, "alias"] == "champion" and rows.loc[2, "alias"] == "challenger"
    assert flow["retrain"]["scores"]["model_version"].tolist() == [1]
    assert "MLflow: 2 version(s) logged" in flow["retrain"]["log"]
    assert_sql_aliases_match_python(flow["db"])


def test_the_new_versions_are_mlflow_runs_and_registered_versions(flow: dict) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=flow["uri"], registry_uri=flow["uri"])
    rows = flow["retrain"]["registry"]
    new = rows[rows["model_version"] == 2].set_index("model_name")
    assert set(new.index) == {"churn_lightgbm", "churn_random_forest"}
    for name, row in new.iterrows():
        run = client.get_run(row["mlflow_run_id"])
        assert run.data.tags["training_fingerprint"] == row["training_fingerprint"]
        assert len(run.data.tags["dbt_invocation_id"]) == 36
        assert run.data.tags["registered_alias"] == "challenger"
        assert "cv_5fold.auc" in run.data.metrics or any(
            k.endswith(".auc") for k in run.data.metrics
        )
        assert run.data.params["model_family"] == row["model_family"]
        (version,) = client.search_model_versions(f"name='{name}'")
        assert version.tags["registry_version"] == "2" and version.run_id == run.info.run_id
        # v1 was trained before MLflow was configured: only the challenger is in MLflow
        aliases = client.get_registered_model(name).aliases
        assert {a: str(v) for a, v in aliases.items()} == {"challenger": str(version.version)}


def test_a_promotion_is_audited_mirrored_and_survives_a_later_build(
    flow: dict, small_raw_dir: Path, monkeypatch, capsys
) -> None:
    from mlflow import MlflowClient

    db = flow["db"]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", flow["uri"])
    root = flow["work"] / "target" / "dashboard_snapshot" / "warehouse"  # the retrain's
    args = ["promote", "churn_lightgbm", "2", "--warehouse", str(db), "--snapshot", str(root)]
    reason = "challenger checked on March data"
    assert registry_cli.main([*args, "--reason", reason, "--by", "ana"]) == 0
    printed = capsys.readouterr().out
    assert "churn_lightgbm v2 is now the champion (was v1)" in printed
    # the registry mart shows it at once (as the next build will), and so does the snapshot
    assert_sql_aliases_match_python(db)
    assert f"published under {root}" in printed
    published = pd.read_parquet(snapshot.latest_snapshot(root).path / "ml.model_registry.parquet")
    assert churn_rows(published).loc[2, "alias"] == "champion"
    audit = query_frame(db, "select * from ml.model_promotions")
    assert len(audit) == 1
    entry = audit.iloc[0]
    assert (entry["model_name"], entry["model_version"], entry["previous_champion_version"]) == (
        "churn_lightgbm",
        2,
        1,
    )
    assert entry["promoted_by"] == "ana" and entry["reason"] == reason
    client = MlflowClient(tracking_uri=flow["uri"], registry_uri=flow["uri"])
    (version,) = client.search_model_versions("name='churn_lightgbm'")
    aliases = client.get_registered_model("churn_lightgbm").aliases
    assert {a: str(v) for a, v in aliases.items()} == {"champion": str(version.version)}
    # promoting the champion again changes nothing; a failing or unknown version is refused
    assert registry_cli.main([*args, "--reason", "again"]) == 0
    assert "already the champion" in capsys.readouterr().out
    missing = ["promote", "churn_lightgbm", "9", "--reason", "x", "--warehouse", str(db)]
    assert registry_cli.main(missing) == 1
    assert "has no version 9" in capsys.readouterr().err

    # a later build reuses the models (same data and vars): nothing new, the promotion holds
    experiment = client.get_experiment_by_name("revenue_ml").experiment_id
    runs_before = len(client.search_runs([experiment]))
    rebuild = run_dbt(
        ["build", *SELECT],
        raw_dir=small_raw_dir,
        work_dir=flow["work"],
        duckdb_path=db,
        vars_yaml=VARS,
        env=flow["env"],
    ).check()
    assert "MLflow:" not in rebuild.output  # reused versions log nothing
    registry = query_frame(db, "select * exclude (model_text) from ml.model_registry")
    rows = churn_rows(registry)
    assert list(rows.index) == [1, 2]
    assert rows.loc[2, "alias"] == "champion" and pd.isna(rows.loc[1, "alias"])
    assert pd.notna(rows.loc[2, "promoted_at"])
    assert query_frame(db, "select distinct model_version from churn.churn_scores")[
        "model_version"
    ].tolist() == [2]
    assert len(query_frame(db, "select * from ml.model_promotions")) == 1
    assert_sql_aliases_match_python(db)
    assert len(client.search_runs([experiment])) == runs_before

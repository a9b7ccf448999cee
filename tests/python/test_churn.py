"""The churn domain (revenue_ml.domains.churn): models trained on raw records score a CSV
through the command line as the registered model does."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from conftest import bigml_rows, ml_settings

from revenue_ml import score as score_cli
from revenue_ml.domains import churn
from revenue_ml.ml import lifecycle, scoring
from revenue_ml.raw_features import churn as churn_raw


def score_csv(tmp_path: Path, output: str, warehouse: Path) -> int:
    """``python -m revenue_ml.score churn`` of ``tmp_path/in.csv`` into ``tmp_path/output``."""
    args = ["churn", "--input", str(tmp_path / "in.csv"), "--output", str(tmp_path / output)]
    return score_cli.main([*args, "--warehouse", str(warehouse)])


def test_cli_scores_a_csv_like_the_registered_model(tmp_path: Path) -> None:
    raw = bigml_rows(150)
    features = churn_raw.features_from_raw(raw)
    settings = churn.Settings(
        ml=ml_settings(),
        auc_floor=None,
        cv_folds=3,
        gate_min_positives=30,
        search_max_candidates=1,
        baseline_margin=0.0,
        currency="$",
    )
    registry = churn.train(features, None, settings)
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema ml")
        con.register("registry", registry)
        con.execute("create table ml.churn_model_versions as select * from registry")
        # the staging limit the scorer applies, as a build's settings publish it
        con.execute(
            "create table ml.build_settings as select 'telco_churn' as domain, "
            "'max_minutes' as setting, 'telco_churn_max_minutes' as var_name, "
            "'44640' as setting_value"
        )
    batch = raw.head(20).assign(Churn="")
    (tmp_path / "in.csv").write_text(batch.to_csv(index=False))
    assert score_csv(tmp_path, "out.csv", warehouse) == 0
    out = pd.read_csv(tmp_path / "out.csv")
    record = lifecycle.champion(registry, churn.SCORING_MODEL)
    expected = scoring.score(churn_raw.features_from_raw(batch), record, churn.base_spec())
    np.testing.assert_allclose(out["probability"], expected["probability"], rtol=0, atol=1e-12)
    assert set(out["model_name"]) == {"churn_lightgbm"}
    missing = tmp_path / "none.duckdb"
    assert score_csv(tmp_path, "x.csv", missing) == 1

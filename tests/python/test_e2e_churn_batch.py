"""End to end: train once, score many. A new batch of unlabelled churn and campaign customers
is appended to the raw files; the rebuild scores them with the registered models (no new
version under the default retrain policy), and the command-line churn scorer agrees with the
mart to 1e-9 on the batch (and with the registered model on the marts' features for every row:
the mart shows training rows' out-of-sample probabilities)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DbtResult, query, run_dbt

from revenue_ml import score as score_cli
from revenue_ml.domains import churn
from revenue_ml.generate import generate
from revenue_ml.ml import lifecycle, scoring

pytestmark = pytest.mark.e2e

#: The churn and campaign subgraph (the shared registry marts need every domain and are
#: covered by the full build); `cautious` leaves out tests that need models outside it.
SELECT = [
    "-s",
    "+churn_scores",
    "+churn_feature_drift",
    "+campaign_scores",
    "+campaign_segment_profiles",
    "--indirect-selection",
    "cautious",
]
#: A small search keeps the build quick; both builds must use the same vars (the search
#: settings are part of the registered parameters).
VARS = "{churn_search_max_candidates: 2}"
BATCH = 15
REGISTRY_SQL = "select model_name, model_version, training_fingerprint from ml.{table} order by all"
CHURN_FILE = Path("telco_churn/churn-bigml-80.csv")
CAMPAIGN_FILE = Path("marketing_campaign/marketing_campaign.csv")


def append_unlabelled_batch(raw_dir: Path) -> None:
    """Append BATCH customers with an empty target to the churn and campaign files."""
    churn_path = raw_dir / CHURN_FILE
    churn = pd.read_csv(churn_path, dtype=str, keep_default_na=False)
    # new customers (a day longer account than existing ones), not copies: an exact copy of a
    # customer's usage would be that customer's twin and share its key digest
    batch = churn.head(BATCH).assign(Churn="")
    batch["Account length"] = (batch["Account length"].astype(int) + 1).astype(str)
    pd.concat([churn, batch]).to_csv(churn_path, index=False, lineterminator="\n")

    campaign_path = raw_dir / CAMPAIGN_FILE
    campaign = pd.read_csv(campaign_path, sep="\t", dtype=str, keep_default_na=False)
    ids = pd.to_numeric(campaign["ID"], errors="coerce")
    batch = campaign[ids.notna()].head(BATCH).copy()
    batch["ID"] = [str(int(ids.max()) + 1 + i) for i in range(BATCH)]
    batch["Response"] = ""
    pd.concat([campaign, batch]).to_csv(campaign_path, sep="\t", index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def raw_dir(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the small data, with churn and campaign at a scale where a held-out
    split and cross-validation have enough positives."""
    out = tmp_path_factory.mktemp("raw_churn_batch")
    shutil.copytree(small_raw_dir, out, dirs_exist_ok=True)
    generate(out, scale=0.1, seed=7, only=["telco_churn", "marketing_campaign"])
    return out


@pytest.fixture(scope="module")
def builds(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, DbtResult]:
    """Build, snapshot what the first build produced, append the batch, rebuild into the same
    warehouse. Returns (facts of the first build, the second build)."""
    work = tmp_path_factory.mktemp("dbt_churn_batch")
    first = run_dbt(["build", *SELECT], raw_dir=raw_dir, work_dir=work, vars_yaml=VARS).check()
    before = {
        table: query(first, REGISTRY_SQL.format(table=table))
        for table in ("churn_model_versions", "campaign_model_versions")
    }
    before["unlabelled_scores"] = [
        query(first, "select count(*) from churn.churn_scores where not is_labeled")[0][0],
        query(first, "select count(*) from campaign.campaign_scores where not is_labeled")[0][0],
    ]
    before["drift_rows"] = query(first, "select count(*) from ml.churn_feature_drift")[0][0]
    append_unlabelled_batch(raw_dir)
    second = run_dbt(["build", *SELECT], raw_dir=raw_dir, work_dir=work, vars_yaml=VARS).check()
    return before, second


def test_first_build_scores_only_labelled_customers(builds) -> None:
    before, _ = builds
    assert before["unlabelled_scores"] == [0, 0]
    assert before["drift_rows"] == 0  # no batch yet: the drift table builds, empty
    assert len(before["churn_model_versions"]) == 2  # LightGBM + random forest


def test_batch_is_scored_without_retraining(builds) -> None:
    before, second = builds
    for table in ("churn_model_versions", "campaign_model_versions"):
        after = query(second, REGISTRY_SQL.format(table=table))
        assert after == before[table], f"{table} got a new version"
    rows = query(
        second,
        "select count(*), min(probability), max(probability), "
        "count(distinct model_version) from churn.churn_scores "
        "where not is_labeled",
    )
    assert rows[0][0] == BATCH and 0 <= rows[0][1] <= rows[0][2] <= 1 and rows[0][3] == 1
    rows = query(
        second,
        "select count(*), count(segment_k2), count(segment_k3), "
        "count(*) from campaign.campaign_scores where not is_labeled",
    )
    assert rows == [(BATCH, BATCH, BATCH, BATCH)]
    # Drift is measured on the batch now that there is one.
    assert query(second, "select min(batch_rows) from ml.churn_feature_drift") == [(BATCH,)]


def test_cli_scorer_matches_the_mart(builds, raw_dir: Path, tmp_path: Path) -> None:
    _, second = builds
    output = tmp_path / "scores.csv"
    code = score_cli.main(
        [
            "churn",
            "--input",
            str(raw_dir / CHURN_FILE),
            "--output",
            str(output),
            "--warehouse",
            str(second.duckdb_path),
        ]
    )
    assert code == 0
    cli = pd.read_csv(output)
    with duckdb.connect(str(second.duckdb_path), read_only=True) as con:
        mart = con.execute(
            "select customer_key, probability, predicted_label, model_version, score_source "
            "from churn.churn_scores"
        ).df()
        features = con.execute("select * from churn.churn_features").df()
        registry = con.execute("select * from ml.churn_model_versions").df()
    joined = cli.merge(mart, on="customer_key", suffixes=("_cli", "_mart"), validate="one_to_one")
    assert len(joined) == len(mart) == len(cli)
    assert (joined["model_version_cli"] == joined["model_version_mart"]).all()
    # the batch (rows the model never saw) scores the same in the CLI and the mart
    batch = joined[joined["score_source"] == "model"]
    assert len(batch) == BATCH
    assert np.abs(batch["probability_cli"] - batch["probability_mart"]).max() <= 1e-9
    assert (batch["predicted_label_cli"] == batch["predicted_label_mart"]).all()
    # every row gets the serving model's own probability (the mart shows training rows'
    # out-of-sample ones), computed from the same features as the mart's
    record, _ = lifecycle.serving(registry, churn.SCORING_MODEL)
    model = scoring.score(features, record, churn.base_spec(), explain=False)
    check = cli.merge(model, on="customer_key", suffixes=("_cli", "_model"))
    assert len(check) == len(cli)
    assert np.abs(check["probability_cli"] - check["probability_model"]).max() <= 1e-9


def test_cli_without_explanations_gives_the_same_probabilities(
    builds, raw_dir: Path, tmp_path: Path
) -> None:
    _, second = builds
    outputs = {}
    for flag in ([], ["--no-explain"]):
        out = tmp_path / f"scores{len(flag)}.csv"
        assert (
            score_cli.main(
                [
                    "churn",
                    "--input",
                    str(raw_dir / CHURN_FILE),
                    "--output",
                    str(out),
                    "--warehouse",
                    str(second.duckdb_path),
                    *flag,
                ]
            )
            == 0
        )
        outputs[bool(flag)] = pd.read_csv(out)
    full, fast = outputs[False], outputs[True]
    assert full["top_feature"].notna().all() and full["reasons"].notna().all()
    assert "top_feature" not in fast.columns and "reasons" not in fast.columns
    assert (full["probability"] == fast["probability"]).all()
    assert (full["predicted_label"] == fast["predicted_label"]).all()

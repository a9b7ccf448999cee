"""Governance end to end on the small generated data (dbt build): the slice table covers every
classifier by at least two attributes and agrees with scikit-learn on the scoring marts' own
out-of-sample rows, every registered version has a card, and the command prints one."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from conftest import REPO_ROOT, DbtResult
from sklearn.metrics import roc_auc_score

from revenue_ml.governance.cards import SECTIONS


def query(result: DbtResult, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(result.duckdb_path), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_reasons_never_carry_a_personal_value(small_warehouse: DbtResult) -> None:
    """Reasons are plain text that reaches pages, downloads and the REST service: a personal
    feature is named without its value (docs/governance.md)."""
    reasons = query(
        small_warehouse,
        "select reasons from campaign.campaign_scores where reasons is not null "
        "union all select reasons from campaign.campaign_contacts where reasons is not null",
    )["reasons"]
    assert len(reasons) > 100
    # how these features read with their value: "marital status: Single", "education: PhD",
    # "household income $52,000", "2 teenagers at home", "age 54 years"
    for leak in (
        r"marital status: ",
        r"education: ",
        r"household income [^(]",
        r"\d teenagers at home",
        r"\bage \d",
    ):
        assert not reasons.str.contains(leak, regex=True).any(), leak
    assert reasons.str.contains("(personal data)", regex=False).any()


def test_every_classifier_is_sliced_by_two_attributes(small_warehouse: DbtResult) -> None:
    counts = query(
        small_warehouse,
        "select registry.model_name, registry.model_version, count(distinct "
        "slices.slice_attribute) filter (where not slices.is_overall) as attributes "
        "from ml.model_registry as registry left join ml.model_slice_metrics as slices "
        "using (model_version_id) "
        "where registry.domain in ('churn', 'sales', 'campaign', 'enrollment') "
        "and registry.model_family not in ('kmeans', 'gmm') "
        "and registry.model_name not like 'offer_close_by_age%' "
        "group by all",
    ).set_index("model_name")["attributes"]
    classifiers = [m for m in counts.index if not m.startswith("enrollment")]
    assert {"churn_lightgbm", "offer_close_at_close", "offer_close_at_open"} <= set(classifiers)
    assert {"campaign_response", "campaign_response_baseline"} <= set(classifiers)
    assert all(counts[m] >= 2 for m in classifiers), counts.to_dict()
    assert counts["enrollment_class_size"] >= 1
    # the campaign model: one set of slices per business objective, at its own threshold
    contexts = query(
        small_warehouse,
        "select distinct decision_context from ml.model_slice_metrics "
        "where model_name = 'campaign_response'",
    )["decision_context"]
    assert set(contexts) == {"aggressive", "moderate", "balanced", "cost_aware"}
    # sensitive attributes get disparity summaries, business ones do not
    fairness = query(small_warehouse, "select distinct slice_attribute from ml.model_fairness")
    assert set(fairness["slice_attribute"]) == {
        "age_band",
        "education",
        "marital_status",
        "income_band",
    }


def test_slice_auc_agrees_with_scikit_learn_on_the_scoring_mart(
    small_warehouse: DbtResult,
) -> None:
    """The slices read the registry's out-of-sample probabilities; the scoring mart shows the
    same ones for its training rows (score_source cv_* / test_split): recomputed from
    churn.churn_scores with scikit-learn, per international plan, the AUCs agree."""
    scored = query(
        small_warehouse,
        "select scores.churned, scores.probability, scores.model_name, scores.model_version, "
        "features.has_international_plan from churn.churn_scores as scores "
        "join churn.churn_features as features using (customer_key) "
        "where scores.is_training_row",
    )
    assert set(scored["model_name"]) == {scored["model_name"].iloc[0]}
    model, version = scored["model_name"].iloc[0], int(scored["model_version"].iloc[0])
    slices = query(
        small_warehouse,
        "select slice_group, auc, row_count from ml.model_slice_metrics "
        f"where model_name = '{model}' and model_version = {version} "
        "and slice_attribute in ('international_plan', 'overall')",
    ).set_index("slice_group")
    groups = {
        "with the international plan": scored[scored["has_international_plan"] == 1],
        "without the international plan": scored[scored["has_international_plan"] == 0],
        "all customers": scored,
    }
    checked = 0
    for group, part in groups.items():
        assert slices.loc[group, "row_count"] == len(part), group
        if part["churned"].nunique() == 2:
            expected = roc_auc_score(part["churned"], part["probability"])
            assert slices.loc[group, "auc"] == pytest.approx(expected, abs=1e-9), group
            checked += 1
    assert checked >= 1


def test_every_registered_version_has_a_card_and_the_command_prints_it(
    small_warehouse: DbtResult,
) -> None:
    missing = query(
        small_warehouse,
        "select model_version_id from ml.model_registry "
        "except select model_version_id from ml.model_cards",
    )
    assert missing.empty, missing
    cards = query(small_warehouse, "select model_name, card_markdown from ml.model_cards")
    for card in cards["card_markdown"]:
        assert all(f"## {section}" in card for section in SECTIONS)
    champion = query(
        small_warehouse,
        "select model_version, primary_metric_value from ml.model_registry "
        "where model_name = 'churn_lightgbm' and is_champion",
    ).iloc[0]
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "revenue_ml.governance",
            "card",
            "churn_lightgbm",
            "--warehouse",
            str(small_warehouse.duckdb_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith(
        f"# Model card: churn_lightgbm v{int(champion['model_version'])}"
    )
    assert f"AUC {champion['primary_metric_value']:.3f}" in printed.stdout
    # the registry's command prints the same card
    via_registry = subprocess.run(
        [sys.executable, "-m", "revenue_ml.registry", "card", "churn_lightgbm"]
        + ["--warehouse", str(small_warehouse.duckdb_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert via_registry.returncode == 0, via_registry.stderr
    assert via_registry.stdout == printed.stdout
    # the dashboard snapshot carries the cards and the slices, not the per-row input
    snapshot = small_warehouse.target_path / "dashboard_snapshot" / "warehouse"
    published = {p.name for p in snapshot.glob("*/*.parquet")}
    assert {"ml.model_cards.parquet", "ml.model_slice_metrics.parquet"} <= published
    assert not any("int_governance" in name for name in published)

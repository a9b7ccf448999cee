"""Model cards (revenue_ml.governance.cards) and their command line (python -m
revenue_ml.governance): every section, the figures of the registry, the slices, the status."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_governance_fairness import ATTRIBUTES, DISPARITY, HAND, NO_SITES, rows

from revenue_ml.governance import cards, fairness
from revenue_ml.governance.__main__ import main

NOW = datetime(2026, 1, 2, 3, 4, 5)
FINGERPRINT = "ab12" * 16


def registry_row(name: str, version: int, **overrides) -> dict:
    metrics = {
        "cv_5fold": {"rows": 2133.0, "auc": 0.87123, "f1": 0.8, "precision": 0.75, "brier": 0.05},
        "test_split": {"rows": 533.0, "auc": 0.9012, "f1": 0.81},
        "baseline_comparison": {
            "baseline": "m_baseline",
            "baseline_version": 3.0,
            "metric": "cv_5fold.auc",
            "model_value": 0.87123,
            "baseline_value": 0.85923,
            "lift": 0.012,
            "margin": 0.0,
            "beats_baseline": 1.0,
        },
    }
    row = {
        "model_version_id": f"{name}@v{version}",
        "model_name": name,
        "model_version": version,
        "domain": "churn",
        "variant": None,
        "model_family": "lightgbm",
        "model_format": "lightgbm_text",
        "alias": "champion",
        "is_champion": True,
        "registered_alias": "champion",
        "alias_reason": "first version to pass its gate",
        "champion_since": pd.Timestamp("2026-01-01 10:00"),
        "promoted_at": None,
        "mlflow_run_id": None,
        "trained_at": pd.Timestamp("2026-01-01 10:00"),
        "training_rows": 2666,
        "training_fingerprint": FINGERPRINT,
        "feature_names": json.dumps(["customer_service_calls", "has_international_plan"]),
        "categorical_features": json.dumps([]),
        "feature_importance": json.dumps(
            [
                {"feature": "has_international_plan", "mean_abs_contribution": 0.2},
                {"feature": "customer_service_calls", "mean_abs_contribution": 0.9},
            ]
        ),
        "params": json.dumps(
            {"family": "lightgbm", "num_leaves": 15, "baseline_rule": {"baseline": "m_baseline"}}
        ),
        "metrics": json.dumps(metrics),
        "evaluation": json.dumps([]),
        "threshold": 0.5,
        "primary_metric": "cv_5fold.auc",
        "primary_metric_value": 0.87123,
        "quality_floor": 0.75,
        "passed_gate": True,
        "retrain_policy": "if_data_changed",
        "retrain_reason": "training data changed",
        "is_latest_version": True,
    }
    row.update(overrides)
    return row


def inputs(registry: list[dict], slices: pd.DataFrame, disparities: pd.DataFrame):
    return cards.CardInputs(
        registry=pd.DataFrame(registry),
        slices=slices,
        fairness=disparities,
        scorecard=pd.DataFrame(
            [
                {
                    "model_name": "m",
                    "baseline_name": "m_baseline",
                    "scores_in": "churn_scores",
                    "baseline_scores_in": None,
                    "serving_reason": "beats its baseline by the margin: the model scores",
                }
            ]
        ),
        purposes=pd.DataFrame(
            [
                {
                    "model_name": "m",
                    "intended_use": "Who to call before they leave.",
                    "intended_users": "Retention team",
                    "decision_mart": "churn.churn_risk_list",
                    "out_of_scope": "Credit decisions.",
                    "known_limitations": "No dates in the file.",
                }
            ]
        ),
        domain_data=pd.DataFrame(
            [
                {
                    "domain": "churn",
                    "dataset_label": "demo data (generated)",
                    "source_files": "telco_churn/churn-bigml-80.csv (2666 rows, 2666 staged)",
                    "period": "one extract without dates",
                    "data_as_of": pd.Timestamp("2024-12-01"),
                }
            ]
        ),
        rules=pd.DataFrame(
            {
                "observation": ["demographic_parity_difference", "equalized_odds_difference"],
                "applies_to": ["all", "all"],
                "threshold": [0.2, 0.2],
                "min_count": [100.0, 10.0],
            }
        ),
    )


def with_version(frame: pd.DataFrame, name: str, version: int) -> pd.DataFrame:
    return frame.assign(
        model_version_id=f"{name}@v{version}", model_name=name, model_version=version
    )


def test_a_card_has_every_section_and_the_registry_figures() -> None:
    slices = with_version(
        fairness.slice_metrics(rows(HAND), NO_SITES, ATTRIBUTES, min_group_size=1), "m", 4
    )
    table = cards.model_cards(inputs([registry_row("m", 4)], slices, pd.DataFrame()), now=NOW)
    assert list(table["model_version_id"]) == ["m@v4"]
    card = table["card_markdown"].iloc[0]
    positions = [card.index(f"## {section}") for section in cards.SECTIONS]
    assert positions == sorted(positions), "sections out of order"
    assert card.startswith("# Model card: m v4")
    # purpose, data, features (most influential first), evaluation, baseline, status
    assert "Who to call before they leave." in card and "`churn.churn_risk_list`" in card
    assert "2,666 labelled rows" in card and FINGERPRINT in card
    assert "demo data (generated)" in card and "one extract without dates" in card
    assert card.index("`customer_service_calls` 0.9") < card.index("`has_international_plan` 0.2")
    assert "AUC 0.871 by 5-fold cross-validation" in card and "quality floor 0.750: passed" in card
    assert "| 5-fold cross-validation (`cv_5fold`) | 2,133 | 0.871 |" in card
    assert "| held-out 20% (`test_split`) | 533 | 0.901 |" in card
    assert "m_baseline v3" in card and "lift +0.012" in card and "it beats its baseline" in card
    assert "yes, in churn_scores" in card and "Champion; scores churn_scores" in card
    # slices: the hand-computed group AUCs, the worst gap in words
    assert "| A | 4 | 2 | 50.0% | 0.750 (-0.117) |" in card
    assert "AUC 0.75 for customers A, 0.12 below its 0.87 overall (4 customers)" in card
    assert "- No dates in the file." in card


def test_small_groups_of_a_personal_attribute_show_no_figures_and_disparities_are_flagged() -> None:
    data = rows(DISPARITY, domain="campaign", attribute="band", context="all")
    slices = with_version(
        fairness.slice_metrics(data, NO_SITES, ATTRIBUTES, min_group_size=3), "m", 1
    )
    disparities = with_version(fairness.disparities(data, ATTRIBUTES, min_group_size=3), "m", 1)
    row = registry_row("m", 1, domain="campaign")
    card = cards.model_cards(inputs([row], slices, disparities), now=NOW)["card_markdown"][0]
    assert "**age band** (personal attribute" in card
    assert "| E (small) | 2 | figures not shown (small group of a personal attribute) |" in card
    # parity 0.4 over 0.2 on 10 rows: under the rule's 100 rows, so marked, not in bold
    assert "| age band | all | 0.400 \u2020 | 0.500 \u2020 |" in card
    assert "treat the age band groups unequally" not in card


def test_a_version_that_does_not_score_says_why_and_one_without_purpose_says_so() -> None:
    older = registry_row(
        "m",
        1,
        alias=None,
        is_champion=False,
        is_latest_version=False,
        training_fingerprint="ff" * 32,
        passed_gate=False,
        metrics=json.dumps(
            {
                "cv_5fold": {"rows": 120.0, "auc": 0.6},
                "baseline_comparison": {"baseline": "m_baseline", "beats_baseline": 0.0},
            }
        ),
    )
    stranger = registry_row("z", 1, domain="churn")
    frame = cards.model_cards(
        inputs([older, registry_row("m", 2), stranger], pd.DataFrame(), pd.DataFrame()), now=NOW
    ).set_index("model_version_id")
    card = frame.loc["m@v1", "card_markdown"]
    assert "Not aliased; does not score" in card
    assert "no: only a model's champion scores" in card
    assert "other rows than the latest version's" in card
    assert "It did not pass its quality gate" in card
    assert "does not beat its baseline m_baseline" in card
    assert "rests on 120 rows" in card
    assert "registered before the slice table existed" in card
    assert "No purpose is recorded for z" in frame.loc["z@v1", "card_markdown"]


def cards_table(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema ml")
    con.execute(
        "create table ml.model_cards as select * from (values "
        "('m@v1', 'm', 1, 'churn', 'challenger', '# Model card: m v1', now()), "
        "('m@v2', 'm', 2, 'churn', 'champion', '# Model card: m v2', now()), "
        "('m@v3', 'm', 3, 'churn', null, '# Model card: m v3', now())) "
        "as t(model_version_id, model_name, model_version, domain, alias, card_markdown, "
        "rendered_at)"
    )
    con.close()


def test_the_command_prints_the_champion_or_the_version_asked(tmp_path: Path, capsys) -> None:
    warehouse = tmp_path / "w.duckdb"
    cards_table(warehouse)
    assert main(["card", "m", "--warehouse", str(warehouse)]) == 0
    assert capsys.readouterr().out.startswith("# Model card: m v2")  # the champion
    assert main(["card", "m", "3", "--warehouse", str(warehouse)]) == 0
    assert capsys.readouterr().out.startswith("# Model card: m v3")
    assert main(["card", "m", "9", "--warehouse", str(warehouse)]) == 1
    assert "m has no version 9; versions with a card: 1, 2, 3" in capsys.readouterr().err
    assert main(["card", "q", "--warehouse", str(warehouse)]) == 1
    assert "no card for model 'q'; models with cards: m" in capsys.readouterr().err
    assert main(["cards", "--warehouse", str(warehouse)]) == 0
    assert "champion" in capsys.readouterr().out


def published_snapshot(root: Path) -> None:
    """A snapshot as the build's hooks publish it (macros/dashboard/): parquet + marker."""
    folder = root / "abc123"
    folder.mkdir(parents=True)
    con = duckdb.connect(":memory:")
    con.execute(
        "copy (select 'm@v7' as model_version_id, 'm' as model_name, 7 as model_version, "
        "'champion' as alias, '# Model card: m v7 (snapshot)' as card_markdown) "
        f"to '{folder / 'ml.model_cards.parquet'}' (format parquet)"
    )
    con.close()
    (folder / "_snapshot.json").write_text(
        json.dumps(
            {"snapshot_id": "abc123", "created_at": "2026-01-01", "tables": ["ml.model_cards"]}
        )
    )


def test_a_build_holding_the_warehouse_sends_the_command_to_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    warehouse = tmp_path / "w.duckdb"
    cards_table(warehouse)
    snapshot_root = tmp_path / "snap"
    published_snapshot(snapshot_root)
    monkeypatch.setenv("REVENUE_ML_DASHBOARD_SNAPSHOT", str(snapshot_root))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', "
            "flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["card", "m", "--warehouse", str(warehouse)]) == 0
    finally:
        holder.kill()
        holder.wait(timeout=10)
    captured = capsys.readouterr()
    assert captured.out.startswith("# Model card: m v7 (snapshot)")
    assert "is being written" in captured.err and "abc123" in captured.err
    # --snapshot reads it directly; an empty folder says what to do
    assert main(["card", "m", "--snapshot", str(snapshot_root)]) == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["card", "m", "--snapshot", str(empty)]) == 1
    assert "no published snapshot" in capsys.readouterr().err
    time.sleep(0)  # the holder is gone: the warehouse opens again
    assert main(["card", "m", "1", "--warehouse", str(warehouse)]) == 0

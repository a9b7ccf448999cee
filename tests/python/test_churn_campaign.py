"""Unit tests of the churn and campaign code: forest export, search, objectives, scorer."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import ml_settings
from sklearn.ensemble import RandomForestClassifier

from revenue_ml import score as score_cli
from revenue_ml.domains import campaign, churn
from revenue_ml.ml import binary, lifecycle, objectives, scoring
from revenue_ml.ml.binary import BinaryTrainer, gate_floor
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families import ForestModel, LightGBM, load
from revenue_ml.ml.families.forest import FOREST_JSON
from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS
from revenue_ml.ml.runtime import Runtime
from revenue_ml.ml.search import SearchSpace, candidate_params, search, training_part


def _binary_frame(n: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    logit = 2.0 * x[:, 0] - 1.5 * x[:, 1] + rng.normal(scale=0.5, size=n)
    return pd.DataFrame(
        {
            "key": [f"k{i:04d}" for i in range(n)],
            "a": x[:, 0],
            "b": x[:, 1],
            "c": x[:, 2],
            "y": (logit > 1.0).astype(float),
        }
    )


def _spec(**kw) -> binary.BinarySpec:
    base = dict(
        name="m",
        domain="d",
        variant="v",
        key="key",
        target="y",
        numeric=["a", "b", "c"],
        cv_folds=3,
        min_rows=30,
        test_share=0.25,
        class_weight="balanced",
        params={**DEFAULT_PARAMS, "num_boost_round": 20},
    )
    return binary.BinarySpec(**{**base, **kw})


# --- Random forest as JSON --------------------------------------------------------------------


def test_forest_json_predictions_equal_sklearn_exactly_including_missing_values() -> None:
    frame = _binary_frame()
    x = frame[["a", "b", "c"]].copy()
    x.loc[::7, "b"] = np.nan  # sklearn routes missing values; the export must do the same
    rf = RandomForestClassifier(
        n_estimators=25, min_samples_leaf=2, random_state=3, class_weight="balanced", n_jobs=1
    )
    rf.fit(x.to_numpy(dtype=np.float32), frame["y"].astype(int))
    exported = ForestModel.from_text(ForestModel.from_sklearn(rf, ["a", "b", "c"]).to_text())
    expected = rf.predict_proba(x.to_numpy(dtype=np.float32))[:, 1]
    np.testing.assert_array_equal(exported.probabilities(x), expected)


def test_forest_contributions_add_up_to_the_probability() -> None:
    frame = _binary_frame()
    rf = RandomForestClassifier(n_estimators=10, random_state=0, n_jobs=1)
    rf.fit(frame[["a", "b", "c"]].to_numpy(dtype=np.float32), frame["y"].astype(int))
    model = ForestModel.from_sklearn(rf, ["a", "b", "c"])
    contrib = model.path_contributions(frame)
    np.testing.assert_allclose(
        model.bias + contrib.sum(axis=1), model.probabilities(frame), atol=1e-12
    )
    # The informative features drive the forest, the noise feature barely does.
    assert np.abs(contrib[:, 2]).mean() < np.abs(contrib[:, 0]).mean()


def test_random_forest_family_trains_registers_as_json_and_reloads() -> None:
    spec = _spec(params={"n_estimators": 15, "min_samples_leaf": 2})
    trained = binary.train(_binary_frame(), spec, ForestModel)
    assert trained.model_format == FOREST_JSON
    reloaded = load(FOREST_JSON, trained.model_text)
    x = binary.prepare(_binary_frame(), spec)
    np.testing.assert_array_equal(
        reloaded.predict_proba(x, spec), trained.model.predict_proba(x, spec)
    )
    assert {"cv_3fold", "test_split"} <= set(trained.metrics)
    assert len(trained.oof) == len(trained.oof_target) == 180  # the fit part: 240 - 25%


# --- Bounded search ---------------------------------------------------------------------------


def test_training_part_sets_the_held_out_test_split_aside() -> None:
    frame = _binary_frame()
    part = training_part(frame, _spec(test_share=0.25))
    assert len(part) == 180
    assert len(training_part(frame, _spec(test_share=None))) == 240


def test_candidate_params_start_with_the_base_and_are_distinct_and_bounded() -> None:
    space = SearchSpace(
        grid={"num_leaves": [3, 7, 15], "learning_rate": [0.05, 0.1]}, max_candidates=4
    )
    params = candidate_params(_spec(), space)
    assert params[0] == _spec().params
    assert len(params) == 4
    assert len({json.dumps(p, sort_keys=True) for p in params}) == 4


def test_search_selects_the_best_cv_f1_and_records_every_candidate() -> None:
    space = SearchSpace(
        grid={"num_leaves": [3, 7], "min_data_in_leaf": [5, 40]}, max_candidates=3, cv_folds=3
    )
    result = search(_binary_frame(), _spec(), LightGBM, space)
    assert len(result.trials) == 3
    assert result.best.cv_f1 == max(t.cv_f1 for t in result.trials)
    rows = result.evaluation_rows()
    selected = [r for r in rows if r["metric"] == "is_selected" and r["value"] == 1.0]
    assert [r["fold"] for r in selected] == [f"candidate_{result.best.candidate:02d}"]
    assert {r["fold"] for r in rows if r["metric"] == "cv_f1"} == {
        "candidate_01",
        "candidate_02",
        "candidate_03",
    }


def test_search_budget_is_a_count_and_its_result_ignores_threads_and_row_order() -> None:
    space = SearchSpace(
        grid={"num_leaves": [3, 7, 15], "min_data_in_leaf": [5, 20]}, max_candidates=4, cv_folds=3
    )
    frame = _binary_frame()
    serial = search(frame, _spec(), LightGBM, space)
    parallel = search(
        frame.sample(frac=1, random_state=5), _spec(), LightGBM, space, Runtime(threads=2)
    )
    assert [t.candidate for t in serial.trials] == [1, 2, 3, 4]
    assert [(t.params, t.cv_f1, t.cv_threshold, t.cv_auc) for t in serial.trials] == [
        (t.params, t.cv_f1, t.cv_threshold, t.cv_auc) for t in parallel.trials
    ]


def test_searched_model_is_reused_when_nothing_changed() -> None:
    frame = _binary_frame()
    space = SearchSpace(grid={"num_leaves": [3, 7]}, max_candidates=2, cv_folds=3)
    cand = BinaryTrainer(_spec(), LightGBM, None, search=space)
    first = lifecycle.train_or_reuse(frame, [cand], None, "if_data_changed")
    params = json.loads(first.loc[0, "params"])
    assert params["search"]["max_candidates"] == 2
    assert set(params["selected_params"]) >= {"num_leaves"}
    assert any(r["evaluation"] == "search" for r in json.loads(first.loc[0, "evaluation"]))
    again = lifecycle.train_or_reuse(frame, [cand], first, "if_data_changed")
    assert again.empty


def test_gate_applies_only_with_enough_positives() -> None:
    few = pd.DataFrame({"churned": [1.0] * 5 + [0.0] * 50 + [np.nan] * 3})
    assert gate_floor(few, churn.TARGET, 0.75, min_positives=30) is None
    many = pd.DataFrame({"churned": [1.0] * 30 + [0.0] * 50})
    assert gate_floor(many, churn.TARGET, 0.75, min_positives=30) == 0.75


# --- Campaign objectives ----------------------------------------------------------------------

Y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
P = np.array([0.9, 0.8, 0.6, 0.2, 0.7, 0.5, 0.3, 0.15, 0.1, 0.05])


def test_economics_arithmetic() -> None:
    out = objectives.economics(Y, P, 0.5, cost_per_contact=3.0, revenue_per_responder=11.0)
    # Contacted: 0.9 0.8 0.6 0.7 0.5 -> 5 contacts, 3 responders.
    assert out["contacts"] == 5 and out["responders"] == 3
    assert out["cost"] == 15.0 and out["revenue"] == 33.0 and out["profit"] == 18.0
    assert out["recall"] == 0.75 and out["precision"] == 0.6
    assert out["customers"] == 10  # the rows the economics were measured on


def test_min_recall_threshold_is_the_highest_reaching_the_target() -> None:
    assert objectives.min_recall_threshold(Y, P, 0.75) == 0.6
    assert objectives.min_recall_threshold(Y, P, 1.0) == 0.2
    aggressive = objectives.min_recall_threshold(Y, P, 0.9)
    moderate = objectives.min_recall_threshold(Y, P, 0.7)
    assert aggressive <= moderate


def test_max_profit_threshold_is_the_break_even_probability() -> None:
    # a contact earns p * 11 - 3 in expectation: worth it above 3 / 11
    assert objectives.max_profit_threshold(3.0, 11.0) == 3.0 / 11.0
    assert objectives.max_profit_threshold(8.0, 11.0) == 8.0 / 11.0
    with pytest.raises(ValueError):
        objectives.max_profit_threshold(3.0, 0.0)


def test_max_profit_plans_the_most_expected_profit_of_any_threshold() -> None:
    # the plan's expected profit, sum over contacted of p * revenue - cost, at the break-even
    # threshold beats every other threshold on the same probabilities
    rng = np.random.default_rng(0)
    prob = rng.beta(1.2, 5.0, size=2_000)

    def planned(t: float) -> float:
        contacted = prob >= t
        return float((prob[contacted] * 11.0 - 3.0).sum())

    best = planned(objectives.max_profit_threshold(3.0, 11.0))
    assert all(best >= planned(t) - 1e-9 for t in np.linspace(0, 1, 201))


def test_objective_rows_follow_the_seed() -> None:
    seed = pd.DataFrame(
        {
            "objective": ["moderate", "aggressive", "cost_aware"],
            "display_order": [2, 1, 3],
            "rule": ["min_recall", "min_recall", "max_profit"],
            "target_value": [0.7, 0.9, None],
            "description": ["", "", ""],
        }
    )
    chosen = objectives.objectives_from_seed(seed)
    assert [o["objective"] for o in chosen] == ["aggressive", "moderate", "cost_aware"]
    rows = objectives.objective_rows(chosen, 3.0, 11.0)(Y, P)
    value = {(r["fold"], r["metric"]): r["value"] for r in rows}
    assert value[("aggressive", "threshold")] == 0.2
    # cost_aware contacts above the break-even probability 3/11: 6 rows, 3 responders, so
    # 3 * 11 - 6 * 3 = 15 (profit = responders x revenue - contacts x cost)
    assert value[("cost_aware", "threshold")] == 3.0 / 11.0
    contacted = P >= 3.0 / 11.0
    expected = float((contacted & (Y == 1)).sum() * 11 - contacted.sum() * 3)
    assert value[("cost_aware", "profit")] == expected == 15.0
    assert value[("moderate", "threshold")] == 0.6
    with pytest.raises(ValueError, match="unknown rule"):
        objectives.objectives_from_seed(seed.assign(rule="max_magic"))


# --- Segmentation -----------------------------------------------------------------------------


def _campaign_frame(n: int = 120, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rich = rng.random(n) < 0.3
    frame = pd.DataFrame({f: rng.normal(10, 2, n) for f in campaign.SEGMENT_FEATURES})
    frame["spend_total"] = np.where(rich, 2000, 200) + rng.normal(0, 50, n)
    frame["customer_id"] = np.arange(n)
    frame["responded"] = (rng.random(n) < 0.2).astype(float)
    return frame


def _segment_registry(base: pd.DataFrame) -> pd.DataFrame:
    segmenters = [
        t for t in campaign.trainers(frozenset(), None, 3, [], 3.0, 11.0) if t.family == "kmeans"
    ]
    return lifecycle.train_or_reuse(base, segmenters, None, "always")


def test_segments_are_registered_ordered_by_spend_and_a_new_batch_does_not_move_them() -> None:
    base = _campaign_frame()
    registry = _segment_registry(base)
    assert list(registry["model_name"]) == ["campaign_segments_k2", "campaign_segments_k3"]
    assert set(registry["model_format"]) == {"segment_json"}
    seg = campaign.segment(base, registry)
    k2 = seg[seg["k"] == 2].merge(base, on="customer_id")
    means = k2.groupby("segment")["spend_total"].mean()
    assert means.is_monotonic_increasing and set(means.index) == {0, 1}
    # the registered model assigns exactly as a KMeans refit on the same rows would
    from sklearn.cluster import KMeans

    x = base[campaign.SEGMENT_FEATURES].astype(float)
    z = (x - x.mean()) / x.std(ddof=0)
    refit = KMeans(n_clusters=2, n_init=10, random_state=42).fit(z.to_numpy()).labels_
    pairs = set(zip(refit, seg[seg["k"] == 2]["segment"], strict=True))
    assert len(pairs) == 2
    batch = _campaign_frame(10, seed=9).assign(
        customer_id=lambda f: f["customer_id"] + 1000, responded=np.nan
    )
    again = campaign.segment(pd.concat([base, batch], ignore_index=True), registry)
    merged = seg.merge(again, on=["customer_id", "k"], suffixes=("", "_again"))
    assert len(merged) == len(seg)
    assert (merged["segment"] == merged["segment_again"]).all()
    assert len(again) == 2 * 130


# --- Churn raw mapping and the command-line scorer ----------------------------------------------

RAW_HEADER = (
    "State,Account length,Area code,International plan,Voice mail plan,"
    "Number vmail messages,Total day minutes,Total day calls,Total day charge,"
    "Total eve minutes,Total eve calls,Total eve charge,Total night minutes,"
    "Total night calls,Total night charge,Total intl minutes,Total intl calls,"
    "Total intl charge,Customer service calls,Churn"
)


def _raw_rows(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day = np.round(rng.uniform(50, 350, n), 1)
    service = rng.integers(0, 8, n)
    churned = (day > 260) | (service >= 4)
    rows = {
        "State": rng.choice(["KS", "OH", "NJ"], n),
        "Account length": rng.integers(1, 200, n),
        "Area code": rng.choice(["408", "415", "510"], n),
        "International plan": rng.choice(["Yes", "No"], n, p=[0.1, 0.9]),
        "Voice mail plan": rng.choice(["Yes", "No"], n),
        "Number vmail messages": rng.integers(0, 40, n),
        "Total day minutes": day,
        "Total day calls": rng.integers(50, 150, n),
        "Total day charge": np.round(day * 0.17, 2),
    }
    for period, rate in (("eve", 0.085), ("night", 0.045), ("intl", 0.27)):
        minutes = np.round(rng.uniform(0, 300 if period != "intl" else 20, n), 1)
        rows[f"Total {period} minutes"] = minutes
        rows[f"Total {period} calls"] = rng.integers(0, 150, n)
        rows[f"Total {period} charge"] = np.round(minutes * rate, 2)
    rows["Customer service calls"] = service
    rows["Churn"] = np.where(churned, "True", "False")
    return pd.DataFrame(rows)[RAW_HEADER.split(",")].astype(str)


def test_features_from_raw_mirrors_the_sql_rules() -> None:
    raw = _raw_rows(3)
    raw.loc[1, "Churn"] = ""
    raw.loc[2, "International plan"] = " Yes "
    features = churn.features_from_raw(raw)
    keys = list(features["customer_key"])
    assert len(set(keys)) == 3 and all(k.startswith("cust_") and len(k) == 21 for k in keys)
    assert features.loc[1, "churned"] != features.loc[1, "churned"]  # NaN: to score
    assert not features.loc[1, "is_labeled"]
    assert features.loc[2, "has_international_plan"] == 1.0
    row = raw.iloc[0]
    charges = sum(float(row[f"Total {p} charge"]) for p in ("day", "eve", "night", "intl"))
    assert features.loc[0, "total_charge"] == round(charges, 2)
    assert "state" not in features.columns and "day_charge" not in features.columns
    bad = raw.copy()
    bad.loc[0, "Voice mail plan"] = "maybe"
    with pytest.raises(ModelInputError, match=r"row\(s\) \[1\]"):
        churn.features_from_raw(bad)


def test_customer_keys_survive_reordering_and_labels_and_number_exact_twins() -> None:
    raw = _raw_rows(6)
    keys = churn.customer_keys(raw)
    shuffled = raw.iloc[[4, 2, 0, 5, 1, 3]].reset_index(drop=True)
    assert churn.customer_keys(shuffled) == [keys[i] for i in [4, 2, 0, 5, 1, 3]]
    unlabelled = raw.assign(Churn="")
    assert churn.customer_keys(unlabelled) == keys  # a label arriving keeps the key
    twins = pd.concat(
        [raw.iloc[[0]].assign(Churn="False"), raw.iloc[[0]].assign(Churn="True")], ignore_index=True
    )
    twin_keys = churn.customer_keys(twins)
    assert twin_keys[1] == twin_keys[0] + "-2" or twin_keys[0] == twin_keys[1] + "-2"
    assert churn.customer_keys(twins.iloc[::-1].reset_index(drop=True)) == twin_keys[::-1]
    changed = raw.copy()
    changed.loc[0, "Total day minutes"] = "1.0"
    assert churn.customer_keys(changed)[0] != keys[0]


def test_cli_scores_a_csv_like_the_registered_model(tmp_path: Path) -> None:
    raw = _raw_rows(150)
    features = churn.features_from_raw(raw)
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
    code = score_cli.main(
        [
            "churn",
            "--input",
            str(tmp_path / "in.csv"),
            "--output",
            str(tmp_path / "out.csv"),
            "--warehouse",
            str(warehouse),
        ]
    )
    assert code == 0
    out = pd.read_csv(tmp_path / "out.csv")
    record = lifecycle.champion(registry, churn.SCORING_MODEL)
    expected = scoring.score(churn.features_from_raw(batch), record, churn.base_spec())
    np.testing.assert_allclose(out["probability"], expected["probability"], rtol=0, atol=1e-12)
    assert set(out["model_name"]) == {"churn_lightgbm"}
    missing = tmp_path / "none.duckdb"
    assert (
        score_cli.main(
            [
                "churn",
                "--input",
                str(tmp_path / "in.csv"),
                "--output",
                str(tmp_path / "x.csv"),
                "--warehouse",
                str(missing),
            ]
        )
        == 1
    )

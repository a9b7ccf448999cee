"""Unit tests of the ensemble forecaster (revenue_ml.ml.forecast): method choice learnt on
earlier origins, hierarchical reconciliation, conformal intervals, all prequential."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from revenue_ml.ml import forecast as fc

METHODS = ["model", "seasonal_naive", "naive_last"]


def panel(seed: int = 0, periods: int = 6, sites: int = 3, courses: int = 4) -> pd.DataFrame:
    """Rows in forecast.run's layout: the model is good, the seasonal figure is good but only
    available for even courses, the last period is poor."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(periods):
        for s in range(sites):
            for c in range(courses):
                for h in ("AM", "PM"):
                    actual = float(rng.poisson(20))
                    seasonal_ok = c % 2 == 0
                    rows.append(
                        {
                            "periodo": 202401 + p,
                            "sede": f"S{s}",
                            "curso_actual": f"C{c}",
                            "horario_actual": h,
                            "actual": actual,
                            "is_candidate": True,
                            "raw_model": actual + rng.normal(0, 2),
                            "a_model": True,
                            "raw_seasonal_naive": actual + rng.normal(0, 1),
                            "a_seasonal_naive": seasonal_ok,
                            "node_seasonal_naive": actual + rng.normal(0, 1),
                            "raw_naive_last": actual + rng.normal(0, 8),
                            "a_naive_last": True,
                            "node_naive_last": actual + rng.normal(0, 8),
                        }
                    )
    return pd.DataFrame(rows)


def spec(**kw) -> fc.EnsembleSpec:
    base = dict(
        methods=METHODS,
        unit=["sede", "curso_actual", "horario_actual"],
        time_column="periodo",
        levels=[
            fc.Level("total", ()),
            fc.Level("course", ("sede", "curso_actual")),
            fc.Level("site", ("sede",)),
        ],
        interval_level=0.8,
        min_residuals=20,
    )
    return fc.EnsembleSpec(**{**base, **kw})


def with_rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for m in METHODS:
        out[f"f_{m}"] = fc.to_counts(out[f"raw_{m}"].to_numpy())
    return out


def test_choose_prefers_the_better_record_on_rows_where_all_could_forecast() -> None:
    history = with_rounded(panel())
    # seasonal is the better method where it is available; elsewhere the model is
    assert fc.choose(history, ("model", "seasonal_naive", "naive_last"), METHODS) == (
        "seasonal_naive"
    )
    assert fc.choose(history, ("model", "naive_last"), METHODS) == "model"
    # no history at all: the priority order decides
    assert fc.choose(history.iloc[:0], ("naive_last", "seasonal_naive"), METHODS) == (
        "seasonal_naive"
    )


def test_a_method_with_a_record_beats_one_without() -> None:
    history = with_rounded(panel()).assign(a_model=False, a_seasonal_naive=False)
    # only naive_last was ever evaluated: it wins over methods without evidence
    assert fc.choose(history, ("model", "seasonal_naive", "naive_last"), METHODS) == "naive_last"


def test_run_is_prequential_a_later_period_never_changes_an_earlier_forecast() -> None:
    frame = panel()
    first = fc.run(frame, spec()).frame
    changed = frame.copy()
    last = changed["periodo"] == changed["periodo"].max()
    changed.loc[last, "actual"] = changed.loc[last, "actual"] * 3 + 50
    second = fc.run(changed, spec()).frame
    earlier = first["periodo"] < frame["periodo"].max()
    cols = ["chosen", "ensemble", "low", "high"]
    pd.testing.assert_frame_equal(first.loc[earlier, cols], second.loc[earlier, cols])


def test_run_learns_where_each_method_is_better_and_gives_intervals_later() -> None:
    result = fc.run(panel(), spec())
    frame = result.frame
    first, later = frame["periodo"] == 202401, frame["periodo"] > 202401
    # no record in the first period: the model (priority); afterwards seasonal where it can
    assert set(frame.loc[first, "chosen"]) == {"model"}
    chosen_later = frame.loc[later & frame["a_seasonal_naive"], "chosen"]
    assert set(chosen_later) == {"seasonal_naive"}
    assert set(frame.loc[later & ~frame["a_seasonal_naive"], "chosen"]) == {"model"}
    assert frame.loc[first, "low"].isna().all() and frame.loc[later, "low"].notna().all()
    assert result.choices["model|seasonal_naive|naive_last"] == "seasonal_naive"
    assert np.isfinite(result.q) and result.residuals == len(frame)


def test_run_does_not_depend_on_row_order() -> None:
    frame = panel()
    shuffled = frame.sample(frac=1.0, random_state=3)
    a = fc.run(frame, spec())
    b = fc.run(shuffled, spec())
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.choices == b.choices and a.levels == b.levels and a.q == b.q


def test_reconciled_classes_add_up_and_move_towards_a_better_total() -> None:
    frame = panel(periods=1)
    raw = frame["raw_naive_last"].to_numpy()
    ids = fc._node_ids(frame, ("sede",))
    site_totals = np.bincount(ids, weights=frame["actual"].to_numpy())
    total = np.array([frame["actual"].sum()])
    out = fc.reconcile(frame, raw, {"total": ((), total), "site": (("sede",), site_totals)})
    assert (out >= 0).all()
    # the reconciled sites lie between the classes' sums and the site forecasts
    reconciled_sites = np.bincount(ids, weights=out)
    raw_sites = np.bincount(ids, weights=raw)
    assert np.all(np.abs(reconciled_sites - site_totals) <= np.abs(raw_sites - site_totals) + 1e-9)
    # coherent aggregates (the sums of the classes) leave the classes unchanged
    same = fc.reconcile(
        frame, raw, {"total": ((), np.array([raw.sum()])), "site": (("sede",), raw_sites)}
    )
    np.testing.assert_allclose(same, raw, atol=1e-9)


def test_reconcile_is_the_wls_solution_and_scales_with_the_aggregates_not_the_classes() -> None:
    frame = panel(periods=1)
    rng = np.random.default_rng(3)
    raw = rng.uniform(0, 20, len(frame))
    site_ids = fc._node_ids(frame, ("sede",))
    course_ids = fc._node_ids(frame, ("curso_actual",))
    sites = np.bincount(site_ids, weights=raw) * rng.uniform(0.8, 1.2, site_ids.max() + 1)
    courses = np.bincount(course_ids, weights=raw) * rng.uniform(0.8, 1.2, course_ids.max() + 1)
    total = np.array([raw.sum() * 1.1])
    nodes = {
        "total": ((), total),
        "site": (("sede",), sites),
        "course": (("curso_actual",), courses),
    }
    out = fc.reconcile(frame, raw, nodes)
    # the textbook form: x = (S' W^-1 S)^-1 S' W^-1 y, W = node sizes (1 per class)
    n = len(frame)
    rows, targets, weights = [np.ones((1, n))], [total], [np.array([n])]
    for ids, base in ((site_ids, sites), (course_ids, courses)):
        member = (ids[None, :] == np.arange(ids.max() + 1)[:, None]).astype(float)
        rows.append(member)
        targets.append(base)
        weights.append(member.sum(axis=1))
    s_all = np.vstack([*rows, np.eye(n)])
    w_inv = np.diag(1.0 / np.concatenate([*weights, np.ones(n)]))
    y = np.concatenate([*targets, raw])
    expected = np.linalg.solve(s_all.T @ w_inv @ s_all, s_all.T @ w_inv @ y)
    np.testing.assert_allclose(out, np.clip(expected, 0, None), atol=1e-9)
    # 200,000 classes under one total and a few sites: solved without a class-by-class matrix
    big = pd.DataFrame({"sede": np.arange(200_000) % 5, "is_candidate": True, "curso_actual": 0})
    flat = np.full(len(big), 2.0)
    spread = fc.reconcile(
        big, flat, {"total": ((), np.array([440_000.0])), "site": (("sede",), np.full(5, 88_000.0))}
    )
    # between the classes' sum (400,000) and the aggregates' (440,000), spread evenly
    assert 400_000 < spread.sum() < 440_000
    np.testing.assert_allclose(spread, spread[0])


def test_a_level_of_single_classes_only_has_the_bottom_up_sum() -> None:
    frame = panel(periods=1)
    level = fc.Level("class", ("sede", "curso_actual", "horario_actual"))
    options = fc.level_forecasts(frame, level, frame["raw_model"].to_numpy(), METHODS)
    assert list(options) == [fc.BOTTOM_UP]
    # a naive figure counts only in nodes where every class has it
    course = fc.level_forecasts(
        frame, fc.Level("course", ("sede", "curso_actual")), np.zeros(len(frame)), METHODS
    )
    ids = fc._node_ids(frame, ("sede", "curso_actual"))
    seasonal_nodes = np.bincount(ids, weights=frame["a_seasonal_naive"].to_numpy()) > 0
    assert (course["seasonal_naive"][~seasonal_nodes] == 0).all()  # kept the bottom-up 0
    assert (course["seasonal_naive"][seasonal_nodes] > 0).all()


def test_conformal_quantile_and_integer_intervals() -> None:
    scores = np.arange(1, 10, dtype=float)  # 9 scores
    assert fc.score_quantile(scores, 0.8) == 8.0  # ceil(10 * 0.8) = 8th smallest
    assert fc.score_quantile(scores[:3], 0.8) == float("inf")  # too few for the level
    low, high = fc.interval(np.array([0, 3, 24]), 1.0)
    assert low.tolist() == [0, 1, 19] and high.tolist() == [1, 5, 29]
    assert fc.conformity_scores(np.array([5.0]), np.array([3.0]))[0] == pytest.approx(1.0)


def test_measured_coverage_is_close_to_the_nominal_level_on_stationary_data() -> None:
    frame = fc.run(panel(periods=10, sites=4, courses=6), spec()).frame
    scored = frame[frame["low"].notna()]
    inside = (scored["actual"] >= scored["low"]) & (scored["actual"] <= scored["high"])
    # integer bounds cover at least the level; not absurdly more
    assert 0.78 <= inside.mean() <= 0.97

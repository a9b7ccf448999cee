"""Acceptance: the enrollment forecast on the real OULAD files mapped as the enrollment source
(config/shared_datasets.yml sets enrollments_source: oulad). Four presentations of history
(201302, 201310, 201402, 201410): the backtest can evaluate two origins, the first target
period (201310) is skipped for lack of earlier training rows, and the forecast is for 201502."""

from __future__ import annotations

import json

import pytest
from conftest import ENROLLMENT_SELECT, query, run_dbt, shared_datasets_dir, shared_vars

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="module")
def oulad_warehouse(tmp_path_factory: pytest.TempPathFactory):
    shared = shared_datasets_dir()
    if not (shared / "enrollments" / "oulad").is_dir():
        pytest.skip(
            f"real datasets folder {shared}/enrollments/oulad is absent "
            f"(set REVENUE_ML_SHARED_DATASETS)"
        )
    vars_yaml = shared_vars(shared)
    work = tmp_path_factory.mktemp("dbt_oulad_enrollment")
    return run_dbt(
        ["build", *ENROLLMENT_SELECT],
        raw_dir=shared,
        work_dir=work,
        vars_yaml=vars_yaml,
    ).check()


def test_oulad_forecast_and_backtest(oulad_warehouse) -> None:
    rows = query(
        oulad_warehouse,
        """
        select method, periodo, classes, actual_students, forecast_students,
            round(mae, 2), round(wape, 3), round(bias, 2)
        from enrollment.enrollment_backtest_metrics
        where scope in ('overall', 'period')
        order by method, periodo nulls first""",
    )
    print("\nOULAD backtest (method, periodo, classes, actual, forecast, MAE, WAPE, bias):")
    for row in rows:
        print("  ", row)
    periods = sorted({r[1] for r in rows if r[0] == "model" and r[1] is not None})
    assert periods == [201402, 201410]
    assert {r[0] for r in rows} >= {"model", "naive_last", "seasonal_naive", "ensemble"}

    (metrics,) = query(
        oulad_warehouse,
        "select metrics from ml.enrollment_model_versions "
        "where model_name = 'enrollment_class_size'",
    )[0]
    metrics = json.loads(metrics)
    assert "201310" in metrics["backtest_skipped"]
    print("best naive:", metrics["best_naive"], "forecast method:", metrics["forecast_method"])
    # the ensemble beats the seasonal naive (0.421) on the same two origins
    overall = {r[0]: r[6] for r in rows if r[1] is None}
    print(f"ensemble WAPE {overall['ensemble']}, seasonal naive {overall['seasonal_naive']}")
    assert overall["ensemble"] < overall["seasonal_naive"]
    assert metrics["forecast_method"] == "ensemble"
    assert metrics["baseline_comparison"]["beats_baseline"] == 1.0
    coverage = query(
        oulad_warehouse,
        "select interval_coverage, interval_rows from enrollment.enrollment_backtest_metrics "
        "where method = 'ensemble' and scope = 'overall'",
    )[0]
    print(f"interval (0.8) coverage {coverage[0]:.3f} on {coverage[1]} classes")
    assert coverage[1] > 0

    forecast = query(
        oulad_warehouse,
        """
        select min(periodo), max(periodo), count(*), min(predict_alumnos),
            count(distinct forecast_method), any_value(forecast_method),
            count(*) filter (where curso_actual like '___' and horario_actual = 'DISTANCE')
        from enrollment.enrollment_forecast""",
    )[0]
    first, last, n, lowest, n_methods, method, oulad_rows = forecast
    print(f"forecast {first}: {n} region x module classes, method {method}")
    assert first == last == 201502 and n > 0 and lowest >= 0 and oulad_rows == n
    assert n_methods == 1 and method == metrics["forecast_method"]
    # no level order for modules: the progression feature is null everywhere
    (progression,) = query(
        oulad_warehouse,
        "select count(students_level_below_last_period) from enrollment.enrollment_class_features",
    )[0]
    assert progression == 0


def test_oulad_build_warns_rather_than_fails_when_naive_wins(oulad_warehouse) -> None:
    results = json.loads((oulad_warehouse.target_path / "run_results.json").read_text())
    status = {r["unique_id"]: r["status"] for r in results["results"]}
    beats = [v for k, v in status.items() if "enrollment_beats_naive" in k]
    assert beats and beats[0] in {"pass", "warn"}
    assert all(v in {"success", "pass", "warn", "no-op"} for v in status.values())


def test_oulad_build_fails_on_request_when_naive_is_not_beaten_by_the_margin(
    oulad_warehouse,
) -> None:
    """With enrollment_fail_if_worse_than_naive the same comparison fails the build. The
    forecaster beats the naive baselines on these files (by 0.04 WAPE), so the test asks it to
    beat them by a margin it cannot reach (enrollment_baseline_margin 0.5)."""
    shared = shared_datasets_dir()
    vars_yaml = shared_vars(shared)
    vars_yaml += "\nenrollment_fail_if_worse_than_naive: true\nenrollment_baseline_margin: 0.5\n"
    result = run_dbt(
        ["test", "--select", "enrollment_model_versions"],
        raw_dir=shared,
        work_dir=oulad_warehouse.duckdb_path.parent / "fail_mode",
        vars_yaml=vars_yaml,
        duckdb_path=oulad_warehouse.duckdb_path,
    )
    assert result.returncode != 0
    assert "Failure in test enrollment_beats_naive" in result.output

"""End to end: the enrollment forecast's dbt build on generated institute data.

Enrollments are generated at scale 0.2 (conftest's 0.02 leaves ~0.2 students per class, too
few for a stable comparison); the other sources come along at the same scale (cheap) so the
raw-file audit upstream has every file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ENROLLMENT_SELECT, DbtResult, generated, query, run_dbt

pytestmark = pytest.mark.e2e

SCALE = 0.2
SEED = 7


def build_args(*extra: str) -> list[str]:
    return ["build", *ENROLLMENT_SELECT, *extra]


@pytest.fixture(scope="module")
def enrollment_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory, "raw_enrollment", SCALE, SEED)


@pytest.fixture(scope="module")
def enrollment_warehouse(
    enrollment_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> DbtResult:
    work = tmp_path_factory.mktemp("dbt_enrollment")
    return run_dbt(build_args(), raw_dir=enrollment_raw_dir, work_dir=work).check()


def test_build_runs_the_enrollment_tests_green(enrollment_warehouse: DbtResult) -> None:
    results = json.loads((enrollment_warehouse.target_path / "run_results.json").read_text())
    by_id = {r["unique_id"]: r["status"] for r in results["results"]}
    enrollment_tests = {
        k: v for k, v in by_id.items() if k.startswith("test.") and "enrollment" in k
    }
    assert enrollment_tests and set(enrollment_tests.values()) == {"pass"}, enrollment_tests
    for needle in (
        "table_checks_enrollment_forecast",
        "enrollment_covers_latest_classes",
        "enrollment_backtest_covers_periods",
        "enrollment_beats_naive",
    ):
        assert any(needle in k for k in enrollment_tests), needle


def test_model_beats_the_best_naive_baseline(enrollment_warehouse: DbtResult) -> None:
    overall = dict(
        query(
            enrollment_warehouse,
            "select method, wape from enrollment.enrollment_backtest_metrics "
            "where scope = 'overall'",
        )
    )
    naive = {m: w for m, w in overall.items() if m not in ("model", "ensemble")}
    best = min(naive, key=naive.get)
    print(
        f"\nbacktest WAPE: model {overall['model']:.3f}; best naive {best} {naive[best]:.3f}; "
        f"all naive {naive}"
    )
    assert overall["model"] < naive[best]
    # the shipped forecaster (the ensemble) is never worse than the best naive baseline; here
    # it keeps the model, which has the better record, for (nearly) every class
    assert overall["ensemble"] <= naive[best]
    methods = query(
        enrollment_warehouse,
        "select forecast_method, base_method, count(*) from enrollment.enrollment_forecast "
        "group by all order by 3 desc",
    )
    assert {m[0] for m in methods} == {"ensemble"} and methods[0][1] == "model"


def test_forecast_intervals_and_their_measured_coverage(enrollment_warehouse: DbtResult) -> None:
    (bad,) = query(
        enrollment_warehouse,
        """
        select count(*) filter (where predicted_students_low > predict_alumnos
            or predicted_students_high < predict_alumnos or predicted_students_low < 0
            or interval_level is distinct from 0.8)
        from enrollment.enrollment_forecast""",
    )
    assert bad == (0,)
    coverage, rows = query(
        enrollment_warehouse,
        "select interval_coverage, interval_rows from enrollment.enrollment_backtest_metrics "
        "where method = 'ensemble' and scope = 'overall'",
    )[0]
    print(f"\ninterval coverage {coverage:.3f} on {rows} classes (nominal 0.8)")
    assert rows > 0 and 0.7 <= coverage <= 1.0
    # the verdict against the registered naive baseline is stored with the version
    (verdict,) = query(
        enrollment_warehouse,
        "select cast(json_extract(metrics, '$.baseline_comparison.beats_baseline') as double) "
        "from ml.enrollment_model_versions where model_name = 'enrollment_class_size'",
    )
    assert verdict == (1.0,)


def test_backtest_has_every_period_and_site(enrollment_warehouse: DbtResult) -> None:
    periods = [
        r[0]
        for r in query(
            enrollment_warehouse,
            "select periodo from enrollment.enrollment_backtest_metrics "
            "where method = 'model' and scope = 'period' order by periodo",
        )
    ]
    assert periods == [202407, 202408, 202409, 202410, 202411, 202412]
    sites = query(
        enrollment_warehouse,
        "select count(distinct sede) from enrollment.enrollment_backtest_metrics "
        "where scope = 'site'",
    )
    assert sites == [(5,)]
    evaluation = query(
        enrollment_warehouse,
        "select json_array_length(evaluation) from ml.enrollment_model_versions",
    )
    assert evaluation[0][0] > 0


def test_forecast_covers_latest_classes_and_new_ones(enrollment_warehouse: DbtResult) -> None:
    (missing,) = query(
        enrollment_warehouse,
        """
        select count(*)
        from intermediate.int_enrollment__class_periods as c
        left join enrollment.enrollment_forecast as f
            using (sede, curso_actual, horario_actual)
        where c.periodo = 202412 and f.periodo is null""",
    )
    assert missing == (0,)
    rows = query(
        enrollment_warehouse,
        """
        select min(periodo), max(periodo), min(predict_alumnos),
            count(*) filter (where is_new_class),
            count(distinct raw_version || features_version || target_version || experiment_name)
        from enrollment.enrollment_forecast""",
    )
    first, last, lowest, new_classes, versions = rows[0]
    assert first == last == 202501 and lowest >= 0 and new_classes > 0 and versions == 1
    (at_risk,) = query(
        enrollment_warehouse,
        "select count(*) from enrollment.enrollment_classes_at_risk "
        "where predict_alumnos >= minimum_students",
    )
    assert at_risk == (0,)


def test_reuse_and_version_drift_warning(
    enrollment_warehouse: DbtResult, enrollment_raw_dir: Path
) -> None:
    work = enrollment_warehouse.duckdb_path.parent / "rerun"
    again = run_dbt(
        [
            "build",
            "--select",
            "enrollment_model_versions",
            "enrollment_run_versions",
            "--vars",
            "{enrollment_raw_version: v2}",
        ],
        raw_dir=enrollment_raw_dir,
        work_dir=work,
        duckdb_path=enrollment_warehouse.duckdb_path,
    ).check()
    assert "bump the var enrollment_platinum_version" in again.output
    assert "WARN 1 enrollment_versions_consistent" in again.output
    # raw_version is a training parameter, so v2 trained a new version; v1 is kept
    reasons = query(
        enrollment_warehouse,
        "select model_version, retrain_reason from ml.enrollment_model_versions "
        "where model_name = 'enrollment_class_size' order by model_version",
    )
    assert reasons == [(1, "no registered version"), (2, "parameters changed")]

"""Guarantees that are checked by one test for many columns still fail when broken (issue 27:
a model's per-column tests became one table_checks test per model), and the personal-data
check fails on an untagged personal column (issue 25). Each runs `dbt test` on a copy of the
small warehouse with the guarantee broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import DbtResult, run_dbt

pytestmark = pytest.mark.e2e


def broken_copy(small_warehouse: DbtResult, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / small_warehouse.duckdb_path.name
    shutil.copy(small_warehouse.duckdb_path, copy)
    with duckdb.connect(str(copy)) as con:
        for sql in statements:
            con.execute(sql)
    return copy


def test_each_kind_of_table_check_fails_the_build_naming_the_check(
    small_raw_dir: Path, small_warehouse: DbtResult, tmp_path: Path
) -> None:
    """One broken row per kind of check of `table_checks_churn_scores` (not null, not null where,
    accepted values, expression, unique): the test fails and its stored failures name each
    broken check with its count, and nothing else."""
    at_risk = "coalesce(churned, 0) = 0 and predicted_label = 1"
    copy = broken_copy(
        small_warehouse,
        tmp_path,
        "update churn.churn_scores set score_source = null "
        "where customer_key = (select min(customer_key) from churn.churn_scores)",
        "update churn.churn_scores set model_name = 'churn_unknown' where customer_key in "
        "(select customer_key from churn.churn_scores order by customer_key limit 2 offset 5)",
        # a missing reason counts only on an at-risk row: the second null is allowed
        "update churn.churn_scores set top_feature = null where customer_key = "
        f"(select min(customer_key) from churn.churn_scores where {at_risk})",
        "update churn.churn_scores set top_feature = null where customer_key = "
        f"(select min(customer_key) from churn.churn_scores where not ({at_risk}))",
        "update churn.churn_scores set probability = 1.5 where customer_key = "
        "(select min(customer_key) from churn.churn_scores where predicted_label = 1)",
        "insert into churn.churn_scores select * from churn.churn_scores "
        "where customer_key = (select max(customer_key) from churn.churn_scores)",
    )
    result = run_dbt(
        ["test", "--select", "table_checks_churn_scores", "--store-failures"],
        raw_dir=small_raw_dir,
        work_dir=tmp_path / "dbt",
        duckdb_path=copy,
    )
    assert result.returncode != 0
    assert "table_checks_churn_scores" in result.output
    with duckdb.connect(str(copy), read_only=True) as con:
        rows = con.execute(
            "select failed_check, failing_rows from dbt_test__audit.table_checks_churn_scores"
        ).fetchall()
    assert sorted(rows) == sorted(
        [
            ("not_null: score_source", 1),
            (f"not_null: top_feature (where {at_risk})", 1),
            ("accepted_values: model_name in ('churn_lightgbm', 'churn_random_forest')", 2),
            ("expression: probability between 0 and 1", 1),
            ("unique: customer_key", 1),
        ]
    )


def test_an_untagged_personal_column_fails_the_personal_data_check(
    small_raw_dir: Path, small_warehouse: DbtResult, tmp_path: Path
) -> None:
    copy = broken_copy(
        small_warehouse, tmp_path, "alter table churn.churn_risk_list add column first_name varchar"
    )
    result = run_dbt(
        ["test", "--select", "assert_personal_columns_are_tagged"],
        raw_dir=small_raw_dir,
        work_dir=tmp_path / "dbt",
        duckdb_path=copy,
    )
    assert result.returncode != 0
    assert "assert_personal_columns_are_tagged" in result.output
    clean = run_dbt(
        ["test", "--select", "assert_personal_columns_are_tagged"],
        raw_dir=small_raw_dir,
        work_dir=tmp_path / "dbt_clean",
        duckdb_path=small_warehouse.duckdb_path,
    )
    assert clean.returncode == 0, clean.output[-2000:]

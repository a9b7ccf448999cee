"""Guarantees that are checked by one test for many columns still fail when broken (issue 27:
the per-column not_null tests became one not_null_columns test per model), and the personal-data
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


def test_a_null_in_a_not_null_column_fails_the_build_naming_the_column(
    small_raw_dir: Path, small_warehouse: DbtResult, tmp_path: Path
) -> None:
    copy = broken_copy(
        small_warehouse,
        tmp_path,
        "update churn.churn_features set total_minutes = null "
        "where customer_key = (select min(customer_key) from churn.churn_features)",
    )
    result = run_dbt(
        ["test", "--select", "churn_features", "--store-failures"],
        raw_dir=small_raw_dir,
        work_dir=tmp_path / "dbt",
        duckdb_path=copy,
    )
    assert result.returncode != 0
    assert "not_null_columns_churn_feature" in result.output
    with duckdb.connect(str(copy), read_only=True) as con:
        (table,) = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'dbt_test__audit' "
                "and table_name like 'not_null_columns_churn_feature%'"
            ).fetchall()
        ]
        rows = con.execute(f'select * from "dbt_test__audit"."{table}"').fetchall()
    assert rows == [("total_minutes", 1)]


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

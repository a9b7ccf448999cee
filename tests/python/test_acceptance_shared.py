"""Acceptance: the real public datasets build through the same code, by configuration only."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, DbtResult, run_dbt, shared_datasets_dir

pytestmark = pytest.mark.acceptance

SHARED = shared_datasets_dir()


@pytest.fixture(scope="module")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    if not SHARED.is_dir():
        pytest.skip(f"real datasets folder {SHARED} is absent (set REVENUE_ML_SHARED_DATASETS)")
    vars_yaml = (REPO_ROOT / "config" / "shared_datasets.yml").read_text()
    vars_yaml = vars_yaml.replace("raw_dir: ../shared/datasets", f"raw_dir: {SHARED}")
    work = tmp_path_factory.mktemp("dbt_shared")
    return run_dbt(["build"], raw_dir=SHARED, work_dir=work, vars_yaml=vars_yaml).check()


def one(result: DbtResult, sql: str):
    with duckdb.connect(str(result.duckdb_path), read_only=True) as con:
        return con.execute(sql).fetchone()


def accounting(result: DbtResult) -> dict[str, tuple[int, int, int]]:
    """``{"source.table": (raw, staged, rejected)}``; asserts every file reconciles."""
    with duckdb.connect(str(result.duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select source_name || '.' || table_name, raw_rows, staged_rows, rejected_rows, "
            "is_reconciled from quality.raw_row_accounting"
        ).fetchall()
    assert all(r[4] for r in rows), rows
    return {r[0]: r[1:4] for r in rows}


def test_shared_datasets_reconcile_and_key_counts_hold(shared_warehouse: DbtResult) -> None:
    counts = accounting(shared_warehouse)
    print("\nraw / staged / rejected per file:", counts)
    assert counts["online_retail.transactions"][0] == 541_909
    assert counts["sales_pipeline.offers"][0] == 6_130
    assert counts["sales_pipeline.leads"][0] == 43_972
    assert counts["telco_churn.customers"][0] == 2_666
    assert counts["marketing_campaign.customers"][0] == 2_240
    assert counts["enrollments.oulad_registrations"][:2] == (32_593, 32_593)


def test_online_retail_counts(shared_warehouse: DbtResult) -> None:
    raw_with_customer = one(
        shared_warehouse,
        "select count(customer_id) from staging.base_online_retail__transactions",
    )[0]
    assert raw_with_customer == 406_829
    assert one(
        shared_warehouse,
        "select count(*) from staging.stg_online_retail__rejects "
        "where reject_reason = 'exact_duplicate_row'",
    )[0] == 5_268


def test_churn_and_campaign_counts(shared_warehouse: DbtResult) -> None:
    assert one(shared_warehouse, "select count(*) from staging.stg_telco_churn__customers")[0] == 2_666
    assert one(
        shared_warehouse,
        "select count(*), count(*) filter (where is_income_missing), "
        "count(*) filter (where is_birth_year_implausible) "
        "from staging.stg_marketing_campaign__customers",
    ) == (2_240, 24, 3)


def test_offers_join_leads_as_in_the_write_up(shared_warehouse: DbtResult) -> None:
    assert one(shared_warehouse, "select count(*) from staging.stg_sales_pipeline__offers")[0] == 6_130
    joined = one(
        shared_warehouse,
        "select count(*) from staging.stg_sales_pipeline__offers "
        "inner join staging.stg_sales_pipeline__leads using (lead_id)",
    )[0]
    assert joined == 3_801


def test_oulad_maps_onto_the_enrollment_contract(shared_warehouse: DbtResult) -> None:
    periods, sites, schedules, rows = one(
        shared_warehouse,
        "select count(distinct periodo), count(distinct sede), count(distinct horario_actual), "
        "count(*) from intermediate.int_enrollments__enrollments",
    )
    assert (periods, schedules, rows) == (4, 1, 32_593)
    assert sites == 13

"""End to end: `dbt build` on small generated data in a temporary DuckDB file."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import DbtResult, query, run_dbt

from revenue_ml.contracts import GENERATED_FILES

pytestmark = pytest.mark.e2e


def test_build_is_green_and_runs_unit_and_data_tests(small_warehouse: DbtResult) -> None:
    results = json.loads((small_warehouse.target_path / "run_results.json").read_text())["results"]
    statuses = {r["status"] for r in results}
    # Warnings are allowed (e.g. the enrollment model losing to a naive baseline on tiny data
    # is a documented warn); errors, failures and skips are not.
    assert statuses <= {"success", "pass", "warn", "no-op"}, statuses  # exposures: no-op
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test", "seed", "unit_test"} <= kinds


def test_every_raw_row_is_staged_or_rejected(small_warehouse: DbtResult) -> None:
    rows = query(
        small_warehouse,
        "select source_name, table_name, raw_rows, staged_rows, rejected_rows, is_reconciled "
        "from quality.raw_row_accounting order by all",
    )
    assert {(r[0], r[1]) for r in rows} == {(f.source, f.table) for f in GENERATED_FILES}
    for source_name, table_name, raw, staged, rejected, ok in rows:
        assert raw > 0 and ok and raw == staged + rejected, (source_name, table_name)


def test_generated_quirks_land_in_rejects_with_reasons(small_warehouse: DbtResult) -> None:
    reasons = dict(
        ((s, r), n)
        for s, r, n in query(
            small_warehouse,
            "select source_name, reject_reason, sum(rejected_rows) "
            "from quality.rejected_rows_by_reason group by all",
        )
    )
    assert reasons.get(("online_retail", "exact_duplicate_row"), 0) > 0
    assert reasons.get(("online_retail", "negative_price"), 0) > 0
    assert reasons.get(("sales_pipeline", "missing_key"), 0) > 0  # leads without an Id


def test_audit_records_each_file(small_warehouse: DbtResult) -> None:
    rows = query(
        small_warehouse, "select table_name, encoding, line_ending from quality.raw_file_audit"
    )
    by_table = {r[0]: r[1:] for r in rows}
    assert by_table["transactions"] == ("latin-1", "CRLF")
    assert len(rows) == len(GENERATED_FILES)


def staging_build(relative: str) -> list[str]:
    """``dbt build`` of the staging of the source that reads the raw file ``relative`` (its
    contract's source) and what it needs: the other domains would build as usual
    (tests/python/test_source_down.py builds them all around a broken file)."""
    (source,) = {raw.source for raw in GENERATED_FILES if raw.path == relative}
    return ["build", "--select", f"+path:models/staging/{source}"]


def break_file(raw_dir: Path, tmp_path: Path, relative: str, transform) -> Path:
    broken = tmp_path / "raw"
    shutil.copytree(raw_dir, broken)
    target = broken / relative
    target.write_bytes(transform(target.read_bytes()))
    return broken


@pytest.mark.parametrize(
    ("relative", "transform", "expected"),
    [
        (
            "shimoku/offers.csv",
            lambda b: b.replace(b"Discount code", b"Discount_Code", 1),
            ["offers.csv", "'Discount code' is missing", "rename it"],
        ),
        (
            "marketing_campaign/marketing_campaign.csv",
            lambda b: b.replace(b"\t", b";"),
            ["marketing_campaign.csv", "tab-separated was expected", "semicolon"],
        ),
        (
            "telco_churn/churn-bigml-80.csv",
            lambda b: b.replace(b"KS", "K\u00e9".encode("latin-1")),
            ["churn-bigml-80.csv", "not valid UTF-8", "telco_churn_customers_encoding"],
        ),
    ],
    ids=["renamed-column", "wrong-separator", "wrong-encoding"],
)
def test_bad_input_stops_dbt_with_a_clear_error(
    small_raw_dir: Path, tmp_path: Path, relative: str, transform, expected: list[str]
) -> None:
    broken = break_file(small_raw_dir, tmp_path, relative, transform)
    result = run_dbt(staging_build(relative), raw_dir=broken, work_dir=tmp_path / "dbt")
    assert result.returncode != 0
    for text in expected:
        assert text in result.output
    # The error comes from the audit of the file, raised by the domain's base model that
    # reads it (one source down stops only its domain), not from deep inside DuckDB or pandas.
    assert "duckdb/_relation.py" not in result.output and "pandas/" not in result.output
    assert re.search(r"Failure in model base_\w+", result.output)
    assert "no earlier build of" in result.output


def test_missing_file_stops_dbt_naming_file_and_fix(small_raw_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "raw"
    shutil.copytree(small_raw_dir, broken)
    (broken / "telco_churn" / "churn-bigml-80.csv").unlink()
    result = run_dbt(
        staging_build("telco_churn/churn-bigml-80.csv"), raw_dir=broken, work_dir=tmp_path / "dbt"
    )
    assert result.returncode != 0
    assert "churn-bigml-80.csv: raw file for telco_churn.customers not found" in result.output
    assert "telco_churn_customers_path" in result.output


def test_table_checks_pass_on_the_lines_and_name_each_column_with_nulls(
    small_warehouse: DbtResult, tmp_path: Path
) -> None:
    """The one-scan checks of the classified lines (a view): no row on the build's lines; on a
    copy with nulls, one row per column that has them, with the count."""
    view = '"intermediate"."int_ecommerce__transaction_lines_classified"'
    (path,) = (small_warehouse.target_path / "compiled").rglob(
        "table_checks_int_ecommerce__transaction_lines_classified.sql"
    )
    compiled = path.read_text()
    assert view in compiled
    copy = tmp_path / small_warehouse.duckdb_path.name  # same catalog name as compiled
    shutil.copy(small_warehouse.duckdb_path, copy)
    with duckdb.connect(str(copy)) as con:
        assert con.execute(compiled).fetchall() == []
        con.execute(
            "create table main.lines as select * from "
            "intermediate.int_ecommerce__transaction_lines_classified"
        )
        first = [
            r[0]
            for r in con.execute(
                "select transaction_line_id from main.lines order by 1 limit 5"
            ).fetchall()
        ]
        con.execute(
            f"update main.lines set stock_code = null where transaction_line_id <= {first[2]}"
        )
        con.execute(
            f"update main.lines set is_included = null where transaction_line_id = {first[4]}"
        )
        failures = con.execute(compiled.replace(view, '"main"."lines"')).fetchall()
    assert sorted(failures) == [("not_null: is_included", 1), ("not_null: stock_code", 3)]

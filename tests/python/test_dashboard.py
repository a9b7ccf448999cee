"""The dashboard end to end: dbt publishes a snapshot, the Streamlit app shows the marts' figures
in a real browser (Debian's Chromium via Playwright), and `dbt build` runs while it is open."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import DBT, REPO_ROOT, DbtResult

from dashboard import data, testing

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard"
BANNER = "Refreshing: dbt build in progress"


def warehouse(path: Path, sql: str):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def warehouse_tables(path: Path) -> set[str]:
    return {
        f"{s}.{t}"
        for s, t in warehouse(
            path, "select table_schema, table_name from information_schema.tables"
        )
    }


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    stack = contextlib.ExitStack()
    try:
        browser = stack.enter_context(testing.browser())
    except testing.ChromiumUnavailable as exc:
        pytest.fail(f"Chromium cannot run, so the dashboard cannot be tested: {exc}")
    with stack:
        yield browser


@pytest.fixture(scope="module")
def snapshot_dir(small_warehouse: DbtResult) -> Path:
    path = small_warehouse.target_path / "dashboard_snapshot"
    assert path.is_dir(), (
        f"dbt build published no dashboard snapshot in {path} (is {data.SNAPSHOT_ENV} set in "
        "the environment? the tests expect the default <target-path>/dashboard_snapshot)"
    )
    return path


def invocation_id(target_path: Path) -> str:
    return json.loads((target_path / "run_results.json").read_text())["metadata"]["invocation_id"]


def goto(page, url: str, path: str, title: str) -> None:
    page.goto(f"{url}/{path}")
    testing.wait_for_page(page, title)
    assert page.locator('[data-testid="stException"]').count() == 0, f"{title}: exception shown"
    assert page.get_by_text("could not be drawn").count() == 0, f"{title}: page failed"


def test_build_publishes_a_complete_snapshot(
    small_warehouse: DbtResult, snapshot_dir: Path
) -> None:
    status = data.read_status(snapshot_dir)
    run_id = invocation_id(small_warehouse.target_path)
    assert status.status == "ready" and status.snapshot_id == run_id, status
    info = data.latest_snapshot(snapshot_dir)
    assert info is not None and info.snapshot_id == run_id
    published = set(info.tables)
    expected = {
        t
        for t in warehouse_tables(small_warehouse.duckdb_path)
        if t.split(".")[0] in ("marts", "ml", "quality")
    }
    assert expected <= published, expected - published
    snap = data.Snapshot.open(info)
    for table in sorted(expected):
        ((rows,),) = warehouse(small_warehouse.duckdb_path, f"select count(*) from {table}")
        assert snap.scalar(f"select count(*) from {table}") == rows, table


def test_every_page_shows_the_marts_figures(
    small_warehouse: DbtResult, snapshot_dir: Path, chromium
) -> None:
    db = small_warehouse.duckdb_path
    tables = warehouse_tables(db)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with testing.running_app(snapshot_dir, log_path=ARTIFACTS / "streamlit.log") as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 1400})

        goto(page, url, "", "Revenue ML dashboard")
        assert page.get_by_text(invocation_id(small_warehouse.target_path)).count() > 0
        page.screenshot(path=str(ARTIFACTS / "home.png"))

        # Sales pipeline: the reference's figures equal the mart's.
        goto(page, url, "sales", "Sales pipeline")
        ((wins, offers),) = warehouse(
            db, "select sum(predicted_label), count(*) from sales.offer_scores"
        )
        assert testing.metric_int(page, "Total positive predictions") == wins
        assert testing.metric_int(page, "Offers scored") == offers
        assert testing.metric_int(page, "Predicted losses") == offers - wins
        page.get_by_text(f"Showing {offers:,} offers").wait_for()
        assert page.locator(".js-plotly-plot").count() >= 2  # label pie + feature importance
        page.screenshot(path=str(ARTIFACTS / "sales.png"))
        with page.expect_download() as download:
            page.get_by_text("Download scored offers (CSV)").click()
        lines = Path(download.value.path()).read_text().strip().splitlines()
        assert len(lines) == offers + 1
        # The open-vs-closed filter: figures of the open offers only.
        ((open_wins, open_offers),) = warehouse(
            db, "select sum(predicted_label), count(*) from sales.offer_scores where not is_closed"
        )
        page.locator('[data-testid="stRadio"]').get_by_text("Open", exact=True).click()
        page.get_by_text(f"Showing {open_offers:,} offers").wait_for(timeout=30_000)
        testing.wait_for_page(page, "Sales pipeline")
        assert testing.metric_int(page, "Total positive predictions") == open_wins
        assert testing.metric_int(page, "Offers scored") == open_offers

        goto(page, url, "churn", "Churn")
        ((at_risk, customers),) = warehouse(
            db, "select sum(predicted_label), count(*) from churn.churn_scores"
        )
        assert testing.metric_int(page, "Customers at risk") == at_risk
        assert testing.metric_int(page, "Customers scored") == customers
        page.screenshot(path=str(ARTIFACTS / "churn.png"))

        # Campaign: the first objective's economics and contact list equal the marts'; the form
        # started from an existing customer scores it exactly as campaign.campaign_scores did.
        goto(page, url, "campaign", "Campaign")
        ((objective, contacts),) = warehouse(
            db,
            "select objective, expected_contacts from campaign.campaign_objectives "
            "order by display_order limit 1",
        )
        assert testing.metric_int(page, "Expected contacts") == contacts
        ((flagged,),) = warehouse(
            db,
            "select count(*) from campaign.campaign_contacts "
            f"where objective = '{objective}' and is_contacted",
        )
        page.get_by_text(f"Showing {flagged:,} customers to contact for '{objective}'").wait_for()
        ((customer, probability),) = warehouse(
            db,
            "select customer_id, probability from campaign.campaign_scores "
            "order by probability desc, customer_id limit 1",
        )
        testing.choose(page, "Start from customer", str(customer))
        testing.wait_for_page(page, "Campaign")
        page.get_by_role("button", name="Score", exact=True).click()
        testing.wait_for_page(page, "Campaign")
        shown = float(testing.metric(page, "Probability of accepting the campaign"))
        assert shown == pytest.approx(probability, abs=6e-5)
        page.screenshot(path=str(ARTIFACTS / "campaign.png"))

        goto(page, url, "ecommerce", "Insiders")
        ((segmented, insiders),) = warehouse(
            db,
            "select count(*), count(*) filter (where is_insider) from ecommerce.customer_segments",
        )
        ((share,),) = warehouse(
            db, "select figure from ecommerce.insiders_report where question_number = 4"
        )
        assert testing.metric_int(page, "Customers segmented") == segmented
        assert testing.metric_int(page, "Eligible customers") == insiders
        assert testing.metric(page, "Insiders share of revenue") == f"{share:.2%}"
        assert page.get_by_text("What share of revenue comes from the Insiders?").count() == 1
        with page.expect_download() as download:
            page.get_by_text("Download eligible customers (CSV)").click()
        lines = Path(download.value.path()).read_text().strip().splitlines()
        assert len(lines) == insiders + 1
        page.screenshot(path=str(ARTIFACTS / "insiders.png"))

        goto(page, url, "enrollment", "Enrollment")
        ((students, classes),) = warehouse(
            db,
            "select sum(predict_alumnos), count(*) from enrollment.enrollment_forecast "
            "where periodo = (select min(periodo) from enrollment.enrollment_forecast)",
        )
        ((classes_at_risk,),) = warehouse(
            db, "select count(*) from enrollment.enrollment_classes_at_risk"
        )
        assert testing.metric_int(page, "Forecast students (next period)") == students
        assert testing.metric_int(page, "Classes forecast") == classes
        assert testing.metric_int(page, "Classes at risk") == classes_at_risk
        page.screenshot(path=str(ARTIFACTS / "enrollment.png"))

        goto(page, url, "model-health", "Model health")
        ((versions,),) = warehouse(db, "select count(*) from ml.model_registry")
        ((rejected,),) = warehouse(db, "select sum(rejected_rows) from quality.raw_row_accounting")
        ((drifted,),) = warehouse(
            db, "select count(*) filter (where is_drifted) from ml.offer_feature_drift"
        )
        assert testing.metric_int(page, "Registered model versions") == versions
        assert testing.metric_int(page, "Rejected rows") == rejected
        other_drift = [
            t for t in tables if t.endswith("_feature_drift") and t != "ml.offer_feature_drift"
        ]
        if not other_drift:
            assert testing.metric_int(page, "Drifted features") == drifted
        page.screenshot(path=str(ARTIFACTS / "model-health.png"))


def test_dbt_build_succeeds_while_the_dashboard_is_open(
    small_warehouse: DbtResult,
    small_raw_dir: Path,
    snapshot_dir: Path,
    chromium,
    tmp_path: Path,
) -> None:
    """The app reads only the snapshot, so `dbt build` into the same warehouse succeeds while
    pages are being clicked; the app shows the refresh banner, then the new snapshot."""
    work = tmp_path / "w"
    work.mkdir()
    db = work / "warehouse.duckdb"
    shutil.copy(small_warehouse.duckdb_path, db)
    target = work / "target"
    shutil.copytree(snapshot_dir, target / "dashboard_snapshot")
    old_id = data.latest_snapshot(target / "dashboard_snapshot").snapshot_id

    env = {
        **os.environ,
        "REVENUE_ML_DUCKDB": str(db),
        "REVENUE_ML_RAW_DIR": str(small_raw_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop(data.SNAPSHOT_ENV, None)
    log = work / "dbt.log"
    with testing.running_app(
        target / "dashboard_snapshot", poll_seconds=1, log_path=work / "streamlit.log"
    ) as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        goto(page, url, "sales", "Sales pipeline")
        assert page.get_by_text(BANNER).count() == 0
        with open(log, "wb") as out:
            dbt = subprocess.Popen(
                [DBT, "build", "--target-path", str(target), "--log-path", str(work / "logs")],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            banner_seen, clicks = False, 0
            try:
                deadline = time.monotonic() + 1800
                while dbt.poll() is None and time.monotonic() < deadline:
                    path, title = testing.PAGES[clicks % len(testing.PAGES)]
                    page.locator('[data-testid="stSidebarNav"]').get_by_text(
                        title, exact=True
                    ).click()
                    testing.wait_for_page(page, title)
                    clicks += 1
                    if not banner_seen and page.get_by_text(BANNER).count() > 0:
                        banner_seen = True
                        page.screenshot(path=str(ARTIFACTS / "building.png"))
            finally:
                if dbt.poll() is None:
                    dbt.kill()
                dbt.wait()
        assert dbt.returncode == 0, (
            f"dbt build failed with the dashboard open:\n{log.read_text()[-6000:]}"
        )
        assert clicks >= 3, clicks
        assert banner_seen, "the app never showed the refresh banner during the build"

        # The app picks up the new snapshot by itself (periodic check), without a reload.
        new_id = invocation_id(target)
        assert new_id != old_id
        page.get_by_text(new_id).first.wait_for(timeout=60_000)
        assert page.get_by_text(BANNER).count() == 0
        goto(page, url, "sales", "Sales pipeline")
        ((wins,),) = warehouse(db, "select sum(predicted_label) from sales.offer_scores")
        assert testing.metric_int(page, "Total positive predictions") == wins
        assert data.read_status(target / "dashboard_snapshot").status == "ready"


def test_failed_build_keeps_the_previous_snapshot(
    small_warehouse: DbtResult, snapshot_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse.duckdb_path, db)
    target = tmp_path / "target"
    shutil.copytree(snapshot_dir, target / "dashboard_snapshot")
    before = data.latest_snapshot(target / "dashboard_snapshot").snapshot_id
    env = {
        **os.environ,
        "REVENUE_ML_DUCKDB": str(db),
        "REVENUE_ML_RAW_DIR": str(tmp_path / "no_such_raw_dir"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop(data.SNAPSHOT_ENV, None)
    proc = subprocess.run(
        [
            DBT,
            "run",
            "-s",
            "base_sales_pipeline__offers",
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode != 0, proc.stdout[-3000:]
    status = data.read_status(target / "dashboard_snapshot")
    assert status.status == "failed" and "base_sales_pipeline__offers" in status.message, status
    assert data.latest_snapshot(target / "dashboard_snapshot").snapshot_id == before

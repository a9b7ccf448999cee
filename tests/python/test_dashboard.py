"""The dashboard end to end: dbt publishes a snapshot, the Streamlit app shows the marts' figures
in a real browser (Debian's Chromium via Playwright), and `dbt build` runs while it is open."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import decision_checks as checks
import pytest
from conftest import DBT, REPO_ROOT, DbtResult, dbt_command, query
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from dashboard import data, format, testing

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard"
BANNER = "Refreshing: dbt build in progress"


def warehouse_tables(path: Path) -> set[str]:
    return {
        f"{s}.{t}"
        for s, t in query(path, "select table_schema, table_name from information_schema.tables")
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
    path = small_warehouse.target_path / "dashboard_snapshot" / small_warehouse.duckdb_path.stem
    assert path.is_dir(), (
        f"dbt build published no dashboard snapshot in {path} (is {data.SNAPSHOT_ENV} set in "
        "the environment? the tests expect the default "
        "<target-path>/dashboard_snapshot/<warehouse stem>)"
    )
    return path


def invocation_id(target_path: Path) -> str:
    return json.loads((target_path / "run_results.json").read_text())["metadata"]["invocation_id"]


@pytest.fixture(scope="module")
def app_url(snapshot_dir: Path) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with testing.running_app(snapshot_dir, log_path=ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(chromium, app_url: str):
    page = chromium.new_page(viewport={"width": 1400, "height": 1400})
    yield page
    page.close()


def test_business_pages_show_business_terms_only(
    small_warehouse: DbtResult, app_url: str, page
) -> None:
    """On every business page: no snake_case header, no missing value printed as nan / None,
    the dataset and build time in the header, and the question the page answers."""
    for path, title in [testing.HOME, *testing.PAGES]:
        testing.goto(page, app_url, path, title)
        assert page.get_by_text("Data: demo data (generated)").count() == 1, title
        if path not in ("", "model-health"):
            assert page.locator("table.decision-list").count() >= 1, f"{title}: no business table"
        testing.assert_business_terms(page, title)
        testing.full_page_screenshot(page, ARTIFACTS / f"{path or 'home'}.png")


def test_demo_decisions_answer_their_users_questions(
    small_warehouse: DbtResult, app_url: str, page
) -> None:
    """Issue 21's checks (decision_checks) on the demo data, as on the real data."""
    checks.check_all(page, app_url, small_warehouse.duckdb_path, real=False)


def test_churn_list_holds_active_customers_scored_out_of_sample(
    small_warehouse: DbtResult, app_url: str, page
) -> None:
    db = small_warehouse.duckdb_path
    testing.goto(page, app_url, "churn", "Churn")
    ((at_risk, revenue),) = query(
        db,
        "select count(*), sum(revenue_at_risk) from churn.churn_risk_list where is_at_risk",
    )
    assert testing.metric_int(page, "Customers at risk") == at_risk
    assert testing.money_value(testing.metric(page, "Revenue at risk")) == pytest.approx(
        revenue, abs=1
    )
    shown = testing.column(page, "Customer")
    assert shown, "the risk list is empty"
    keys = ", ".join(f"'{k}'" for k in shown)
    ((churned, in_sample, not_ranked),) = query(
        db,
        "select count(*) filter (where churned = 1), "
        "count(*) filter (where is_training_row and score_source = 'model'), "
        "count(*) filter (where predicted_label = 0) "
        f"from churn.churn_scores where customer_key in ({keys})",
    )
    assert churned == 0, "a customer who already churned is on the list"
    assert in_sample == 0, "a training customer shows its in-sample score"
    assert not_ranked == 0, "the default view shows only customers at risk"
    expected = [
        k
        for (k,) in query(
            db,
            "select customer_key from churn.churn_risk_list where is_at_risk "
            "order by risk_rank limit 25",
        )
    ]
    assert shown == expected, "not ranked by revenue at risk"
    # every at-risk row says why, in words
    assert all(len(r) > 3 for r in testing.column(page, "Why"))
    # the filter state is in the URL: a link reopens the same view
    ((plan,),) = query(
        db, "select plan from churn.churn_risk_list where is_at_risk order by risk_rank limit 1"
    )
    testing.goto(page, app_url, f"churn?plan={plan}", "Churn")
    assert set(testing.column(page, "Plan")) == {plan}
    # where a customer lives is personal: no State column and no filter on it by default
    ((state,),) = query(
        db, "select state from churn.churn_risk_list where is_at_risk order by risk_rank limit 1"
    )
    testing.goto(page, app_url, f"churn?state={state}", "Churn")
    assert "State" not in testing.decision_table(page)[0]
    assert testing.column(page, "Customer")[:25] == expected


def test_sales_page_opens_on_the_worklist_ranked_by_expected_value(
    small_warehouse: DbtResult, app_url: str, page
) -> None:
    db = small_warehouse.duckdb_path
    testing.goto(page, app_url, "sales", "Sales pipeline")
    ((offers, value),) = query(
        db,
        "select count(*), sum(expected_value) from sales.open_offers where not is_likely_dead",
    )
    ((open_offers,),) = query(db, "select count(*) from sales.open_offers")
    ((open_scored,),) = query(db, "select count(*) from sales.offer_scores where not is_closed")
    assert open_offers == open_scored
    assert testing.metric_int(page, "Offers to work on") == offers
    shown_value = testing.money_value(testing.metric(page, "Expected value of the worklist"))
    assert shown_value == pytest.approx(value or 0, abs=1)
    if not offers:
        return
    shown = testing.column(page, "Offer")
    expected = [
        o
        for (o,) in query(
            db,
            "select offer_id from sales.open_offers where not is_likely_dead order by list_rank",
        )
    ][: len(shown)]
    assert shown == expected
    ids = ", ".join(f"'{o}'" for o in shown)
    ((closed,),) = query(
        db, f"select count(*) from sales.offer_scores where is_closed and offer_id in ({ids})"
    )
    assert closed == 0
    cells = testing.column(page, "Expected value")
    priced = [testing.money_value(v) for v in cells if v != format.MISSING]
    assert priced == sorted(priced, reverse=True)
    assert cells[: len(priced)] != [] and format.MISSING not in cells[: len(priced)]
    page.get_by_text(f"of {offers:,} offers to work on").first.wait_for()
    with page.expect_download() as download:
        page.get_by_text(f"Download all {offers:,} offers to work on (CSV)").click()
    lines = Path(download.value.path()).read_text().strip().splitlines()
    assert len(lines) == offers + 1 and lines[0].startswith("Rank,Offer,")


def test_campaign_figures_agree_with_each_other_and_the_list(
    small_warehouse: DbtResult, app_url: str, page
) -> None:
    db = small_warehouse.duckdb_path
    testing.goto(page, app_url, "campaign", "Campaign")
    # the page opens on the most profitable plan
    ((objective, contacts, responders, per_responder, revenue, per_contact, cost),) = query(
        db,
        "select objective, contacts, expected_responders, revenue_per_responder, "
        "expected_revenue, cost_per_contact, expected_cost "
        "from campaign.campaign_plan order by expected_profit desc, display_order limit 1",
    )
    ((listed,),) = query(
        db,
        "select count(*) from campaign.campaign_contacts "
        f"where objective = '{objective}' and is_contacted",
    )
    assert testing.metric_int(page, "Customers to contact") == contacts == listed
    page.get_by_text(f"of {listed:,} customers to contact").first.wait_for()
    assert revenue == pytest.approx(responders * per_responder)
    assert cost == pytest.approx(contacts * per_contact)
    shown_revenue = testing.money_value(testing.metric(page, "Expected revenue"))
    assert shown_revenue == pytest.approx(revenue, abs=1)
    assert page.get_by_text(f"Revenue per responder ${per_responder:,.0f}").count() == 1
    assert testing.metric_int(page, "Expected responders") == round(responders)


def test_insiders_list_is_ranked_by_revenue(small_warehouse: DbtResult, app_url: str, page) -> None:
    db = small_warehouse.duckdb_path
    testing.goto(page, app_url, "ecommerce", "Insiders")
    ((segmented, insiders),) = query(
        db,
        "select count(*), count(*) filter (where is_insider) from ecommerce.customer_segments",
    )
    ((share,),) = query(
        db, "select figure from ecommerce.insiders_report where question_number = 4"
    )
    assert testing.metric_int(page, "Eligible customers") == insiders
    assert testing.metric(page, "Share of revenue") == f"{100 * share:.0f}%"
    assert testing.metric(page, "Share of customers") == f"{100 * insiders / segmented:.0f}%"
    revenue = [testing.money_value(v) for v in testing.column(page, "Revenue")]
    assert revenue == sorted(revenue, reverse=True)
    headers, _ = testing.decision_table(page)
    assert not any("embedding" in h.lower() for h in headers)
    names = testing.column(page, "Segment", index=1)
    assert len(names) == len(set(names)), f"segment names not unique: {names}"


def test_enrollment_and_model_health_pages(small_warehouse: DbtResult, app_url: str, page) -> None:
    db = small_warehouse.duckdb_path
    testing.goto(page, app_url, "enrollment", "Enrollment")
    ((students,),) = query(db, "select sum(predict_alumnos) from enrollment.enrollment_forecast")
    ((below,),) = query(db, "select count(*) from enrollment.enrollment_classes_at_risk")
    assert testing.metric_int(page, "Forecast students (next period)") == students
    assert testing.metric_int(page, "Classes below minimum") == below
    # the total's own interval drawn on the chart as a band, and each listed class's range
    page.locator(".legendtext", has_text="Likely range").first.wait_for(timeout=30_000)
    legend = page.locator(".legendtext").all_text_contents()
    assert "Likely range of the total" in legend, legend
    headers, rows = testing.decision_table(page)
    assert {"Likely range", "How sure"} <= set(headers), headers
    ranges = [row[headers.index("Likely range")] for row in rows]
    assert ranges and all(re.fullmatch(r"\d+\u2013\d+", r) for r in ranges), ranges

    testing.goto(page, app_url, "model-health", "Model health")
    ((versions,),) = query(db, "select count(*) from ml.model_registry")
    ((rejected,),) = query(db, "select sum(rejected_rows) from quality.raw_row_accounting")
    assert testing.metric_int(page, "Registered model versions") == versions
    assert testing.metric_int(page, "Rejected rows") == rejected


def test_score_a_file_page_scores_an_upload_and_names_a_bad_row(
    small_raw_dir: Path, app_url: str, page, tmp_path: Path
) -> None:
    """Upload a CSV in the churn file's own format with one bad row: the good rows come back
    scored, the bad one is named (its line and column), and the scored file downloads."""
    raw = (small_raw_dir / "telco_churn" / "churn-bigml-80.csv").read_text().splitlines()
    header, rows = raw[0], raw[1:11]
    columns = header.split(",")
    bad = rows[3].split(",")
    bad[columns.index("Total day minutes")] = "lots"
    rows[3] = ",".join(bad)
    upload = tmp_path / "my_customers.csv"
    upload.write_text("\n".join([header, *rows]) + "\n")

    testing.goto(page, app_url, "score", "Score a file")
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_text("Rows that could not be scored").wait_for(timeout=60_000)
    testing.wait_for_page(page, "Score a file")
    assert testing.metric_int(page, "Rows in the file") == 10
    assert testing.metric_int(page, "Rows scored") == 9
    assert testing.metric_int(page, "Rows with errors") == 1
    errors = testing.decision_table(page, 0)
    assert errors[1][0][:2] == ["5", "Total day minutes"], errors  # line 5: header is line 1
    probabilities = testing.column(page, "Probability", index=1)
    assert len(probabilities) == 9 and all(p.endswith("%") for p in probabilities)
    with page.expect_download() as download:
        page.get_by_text("Download scored file").click()
    lines = Path(download.value.path()).read_text().strip().splitlines()
    assert len(lines) == 10 and lines[0].startswith(header.split(",")[0])
    assert "probability" in lines[0]


def test_score_a_file_says_its_limits_and_names_a_file_of_the_wrong_kind(
    small_raw_dir: Path, snapshot_dir: Path, chromium, tmp_path: Path, monkeypatch
) -> None:
    """The limits are said before the upload and enforced (a small row limit here); a
    campaign file uploaded as churn gets one line naming the file it looks like."""
    monkeypatch.setenv("REVENUE_ML_SCORE_MAX_ROWS", "5")
    churn_rows = (small_raw_dir / "telco_churn" / "churn-bigml-80.csv").read_text().splitlines()
    too_many = tmp_path / "ten_customers.csv"
    too_many.write_text("\n".join(churn_rows[:11]) + "\n")
    with testing.running_app(snapshot_dir, log_path=tmp_path / "streamlit.log") as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        testing.goto(page, url, "score", "Score a file")
        assert page.get_by_text(re.compile(r"Files up to 50 MB and 5 rows")).count() == 1
        page.locator('input[type="file"]').set_input_files(str(too_many))
        page.get_by_text("over the 5-row limit").wait_for(timeout=60_000)
        testing.goto(page, url, "score", "Score a file")
        page.locator('input[type="file"]').set_input_files(
            str(small_raw_dir / "marketing_campaign" / "marketing_campaign.csv")
        )
        shown = page.get_by_text(re.compile("the header has none of the columns"))
        shown.first.wait_for(timeout=60_000)
        text = shown.first.inner_text()
        assert "looks like the iFood campaign file" in text, text
        assert page.get_by_text("missing or empty").count() == 0
        page.close()


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
    # the small build's command, so it starts from that build's parse
    build = dbt_command(["build"], raw_dir=small_raw_dir, work_dir=work, duckdb_path=db)
    build.env.pop(data.SNAPSHOT_ENV, None)
    target = build.target_path  # where the build publishes the snapshot the app watches
    shutil.copytree(snapshot_dir, target / "dashboard_snapshot" / "warehouse")
    old_id = data.latest_snapshot(target / "dashboard_snapshot" / "warehouse").snapshot_id

    log = work / "dbt.log"
    with testing.running_app(
        target / "dashboard_snapshot" / "warehouse", poll_seconds=1, log_path=work / "streamlit.log"
    ) as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        testing.goto(page, url, "sales", "Sales pipeline")
        assert page.get_by_text(BANNER).count() == 0
        with open(log, "wb") as out:
            dbt = build.start(out)
            banner_seen, clicks = False, 0
            try:
                deadline = time.monotonic() + 1800
                while dbt.poll() is None and time.monotonic() < deadline:
                    path, title = testing.PAGES[clicks % len(testing.PAGES)]
                    nav = page.locator('[data-testid="stSidebarNav"]').get_by_text(
                        title, exact=True
                    )
                    nav.click()
                    try:
                        testing.wait_for_page(page, title, timeout_ms=20_000)
                    except PlaywrightTimeoutError:
                        # The app reruns itself when the new snapshot lands; a click made at
                        # that moment can be lost (seen once in a `make test`: the page stayed
                        # put). A user clicks again; so does the test, with the usual wait.
                        nav.click()
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
        testing.goto(page, url, "sales", "Sales pipeline")
        ((offers,),) = query(db, "select count(*) from sales.open_offers where not is_likely_dead")
        assert testing.metric_int(page, "Offers to work on") == offers
        assert data.read_status(target / "dashboard_snapshot" / "warehouse").status == "ready"


def test_failed_build_keeps_the_previous_snapshot(
    small_warehouse: DbtResult, snapshot_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse.duckdb_path, db)
    target = tmp_path / "target"
    shutil.copytree(snapshot_dir, target / "dashboard_snapshot" / "warehouse")
    before = data.latest_snapshot(target / "dashboard_snapshot" / "warehouse").snapshot_id
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
    status = data.read_status(target / "dashboard_snapshot" / "warehouse")
    assert status.status == "failed" and "base_sales_pipeline__offers" in status.message, status
    assert data.latest_snapshot(target / "dashboard_snapshot" / "warehouse").snapshot_id == before

"""One source down does not stop the other four (issue 24).

Starting from a good build (a copy of the session's small warehouse), three more builds run on
the same warehouse, as a scheduler would run them:

1. the campaign file made comma-separated: campaign keeps every table of the good build (same
   rows, same scores, same scored_at), the other domains are rescored, domain_status says
   campaign is stale naming marketing_campaign.csv, the dashboard says so at the top of the
   campaign page, and the build ends with a warning, not an error;
2. the campaign file fixed, the leads file reduced to its header and the enrollments file last
   changed ten days ago: campaign is current again, sales is stale naming leads.csv, enrollment
   is stale because its file is older than the freshness error threshold, and `dbt source
   freshness` says the same;
3. the first build of a new warehouse with a broken file fails that domain only, with the
   audit's message (there is no earlier build to keep).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import DbtResult, run_dbt

from dashboard import testing
from revenue_ml.serve.process import running_service

pytestmark = pytest.mark.e2e

#: Every table of the campaign domain the held build must keep as the good build wrote it.
CAMPAIGN_TABLES = (
    "staging.base_marketing_campaign__customers",
    "staging.stg_marketing_campaign__customers",
    "campaign.campaign_features",
    "ml.campaign_model_versions",
    "ml.campaign_predictions",
    "ml.campaign_segments",
    "campaign.campaign_scores",
    "campaign.campaign_objectives",
    "campaign.campaign_contacts",
    "campaign.campaign_plan",
)
#: The other domains' scoring marts, rescored by every build.
OTHER_SCORING_MARTS = ("offer_scores", "churn_scores", "enrollment_forecast")


def frame(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def invocation_id(result: DbtResult) -> str:
    return json.loads((result.target_path / "run_results.json").read_text())["metadata"][
        "invocation_id"
    ]


def status_by_domain(db: Path) -> dict[str, dict]:
    rows = frame(db, "select * from quality.domain_status").to_dict("records")
    return {row["domain"]: row for row in rows}


@dataclass
class Scenario:
    work: Path
    raw: Path
    warehouse: Path
    good_build_id: str

    def build(self, name: str) -> DbtResult:
        return run_dbt(
            ["build"], raw_dir=self.raw, work_dir=self.work / name, duckdb_path=self.warehouse
        )


@pytest.fixture(scope="module")
def scenario(
    small_raw_dir: Path, small_warehouse: DbtResult, tmp_path_factory: pytest.TempPathFactory
) -> Scenario:
    work = tmp_path_factory.mktemp("source_down")
    raw = work / "raw"
    shutil.copytree(small_raw_dir, raw)
    warehouse = work / "warehouse.duckdb"
    shutil.copyfile(small_warehouse.duckdb_path, warehouse)
    return Scenario(work, raw, warehouse, invocation_id(small_warehouse))


@pytest.fixture(scope="module")
def campaign_down(scenario: Scenario) -> DbtResult:
    path = scenario.raw / "marketing_campaign" / "marketing_campaign.csv"
    good = path.read_bytes()
    path.write_bytes(good.replace(b"\t", b","))
    result = scenario.build("campaign_down")
    path.write_bytes(good)
    return result


def test_a_comma_separated_campaign_file_holds_campaign_only(
    scenario: Scenario, small_warehouse: DbtResult, campaign_down: DbtResult
) -> None:
    out = campaign_down.output
    assert campaign_down.returncode == 0, out[-4000:]
    # loud: a warning naming the file and the fix, and the domain that kept its build
    assert "WARN every_domain_is_current" in out.replace("1 of", "").replace("  ", " ") or (
        "every_domain_is_current" in out and "WARN=" in out and "WARN=0" not in out
    )
    assert "The campaign domain kept its last good build" in out
    assert "marketing_campaign.csv: the header has one field" in out

    db, build_id = scenario.warehouse, invocation_id(campaign_down)
    # campaign: every table exactly as the good build left it (its scored_at included)
    for table in CAMPAIGN_TABLES:
        pd.testing.assert_frame_equal(
            frame(small_warehouse.duckdb_path, f"select * from {table}"),
            frame(db, f"select * from {table}"),
            obj=table,
        )
    # the other domains were rescored: new run-history rows for their scoring marts only
    marts = set(
        frame(
            db,
            f"select scoring_mart from ml.model_run_history where dbt_invocation_id = '{build_id}'",
        )["scoring_mart"]
    )
    assert marts == set(OTHER_SCORING_MARTS)
    good_scored = frame(
        small_warehouse.duckdb_path, "select max(scored_at) s from churn.churn_scores"
    )
    assert (
        frame(db, "select max(scored_at) s from churn.churn_scores")["s"][0] > good_scored["s"][0]
    )

    status = status_by_domain(db)
    assert status["campaign"]["status"] == "stale"
    assert "marketing_campaign.csv" in status["campaign"]["reason"]
    assert "Fix:" in status["campaign"]["reason"]
    assert status["campaign"]["marts_build_id"] == scenario.good_build_id
    assert status["campaign"]["latest_outcome"] == "held"
    for domain in ("sales", "churn", "enrollment", "ecommerce"):
        assert status[domain]["status"] == "ok", status[domain]
        assert status[domain]["marts_build_id"] == build_id

    accounting = frame(db, "select source_name, is_held from quality.raw_row_accounting")
    assert set(accounting.loc[accounting.is_held, "source_name"]) == {"marketing_campaign"}

    # the dashboard published the build (the four fresh domains), domain_status included
    snapshot = campaign_down.target_path / "dashboard_snapshot" / db.stem
    assert json.loads((snapshot / "status.json").read_text())["status"] == "ready"
    published = pd.read_parquet(snapshot / build_id / "quality.domain_status.parquet")
    assert published.set_index("domain").loc["campaign", "status"] == "stale"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    stack = contextlib.ExitStack()
    try:
        browser = stack.enter_context(testing.browser())
    except testing.ChromiumUnavailable as exc:
        pytest.fail(f"Chromium cannot run, so the dashboard cannot be tested: {exc}")
    with stack:
        yield browser


def test_the_campaign_page_says_it_is_stale_and_why(
    scenario: Scenario, campaign_down: DbtResult, chromium, tmp_path: Path
) -> None:
    snapshot = campaign_down.target_path / "dashboard_snapshot" / scenario.warehouse.stem
    with testing.running_app(snapshot, log_path=tmp_path / "streamlit.log") as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 1400})
        try:
            testing.goto(page, url, "campaign", "Campaign")
            banner = page.locator('[data-testid="stAlert"]').filter(
                has_text="Campaign: stale, showing the build of"
            )
            assert banner.count() == 1
            text = banner.inner_text()
            assert "marketing_campaign.csv" in text and "The other domains are current" in text
            # the banner sits above the page's question, where the reader starts
            question = page.get_by_text("Whom should the next campaign contact").first
            assert banner.bounding_box()["y"] < question.bounding_box()["y"]
            # a current domain's page has no banner; the home page lists the stale one
            testing.goto(page, url, "churn", "Churn")
            assert page.get_by_text("stale, showing the build of").count() == 0
            testing.goto(page, url, "", "Revenue ML")
            assert (
                page.locator('[data-testid="stAlert"]')
                .filter(has_text="Campaign: stale, showing the build of")
                .count()
                == 1
            )
        finally:
            page.close()


def test_the_rest_service_serves_the_last_good_campaign_champion_and_says_it_is_stale(
    scenario: Scenario, small_warehouse: DbtResult, campaign_down: DbtResult, tmp_path: Path
) -> None:
    snapshot = campaign_down.target_path / "dashboard_snapshot" / scenario.warehouse.stem
    champions = frame(
        small_warehouse.duckdb_path,
        "select model_name, model_version from ml.model_registry where is_champion",
    ).set_index("model_name")["model_version"]
    with running_service(["--snapshot", str(snapshot)], tmp_path / "serve.log") as service:
        status, body = service.get("/health")
    assert status == 200, body
    assert set(body["stale_domains"]) == {"campaign"}
    stale = body["stale_domains"]["campaign"]
    assert stale["status"] == "stale"
    assert "marketing_campaign.csv" in stale["reason"] and "Fix:" in stale["reason"]
    assert str(scenario.warehouse.parent) not in stale["reason"]  # names, never paths
    assert stale["last_good_build_at"].endswith("Z")
    campaign = body["domains"]["campaign"]
    assert campaign["loaded"] and campaign["data"] == stale
    assert campaign["models"] and all(  # the good build's champions
        version == champions[model] for model, version in campaign["models"].items()
    )
    assert "data" not in body["domains"]["churn"]


@pytest.fixture(scope="module")
def leads_down(scenario: Scenario, campaign_down: DbtResult) -> DbtResult:
    leads = scenario.raw / "shimoku" / "leads.csv"
    data = leads.read_bytes()
    leads.write_bytes(data[: data.index(b"\n") + 1])
    enrollments = scenario.raw / "enrollments" / "enrollments.csv"
    ten_days_ago = time.time() - 10 * 86400
    os.utime(enrollments, (ten_days_ago, ten_days_ago))
    return scenario.build("leads_down")


def test_a_header_only_leads_file_holds_sales_and_an_old_file_is_stale(
    scenario: Scenario, campaign_down: DbtResult, leads_down: DbtResult
) -> None:
    out = leads_down.output
    assert leads_down.returncode == 0, out[-4000:]
    assert "The sales domain kept its last good build" in out
    assert "leads.csv: the file has a header but no data rows" in out
    status = status_by_domain(scenario.warehouse)
    build_id = invocation_id(leads_down)

    assert status["sales"]["status"] == "stale"
    assert "leads.csv" in status["sales"]["reason"]
    # campaign's file is fixed: it is built again, from this build
    assert status["campaign"]["status"] == "ok"
    assert status["campaign"]["marts_build_id"] == build_id
    # enrollment built, but from a file older than raw_file_freshness_error_days (7)
    assert status["enrollment"]["status"] == "stale"
    assert status["enrollment"]["freshness"] == "error"
    assert status["enrollment"]["marts_build_id"] == build_id
    assert "enrollments.csv was last changed" in status["enrollment"]["reason"]
    assert "10 days ago" in status["enrollment"]["reason"]
    for domain in ("churn", "ecommerce"):
        assert status[domain]["status"] == "ok", status[domain]

    # dbt source freshness applies the same rule to the files
    fresh = run_dbt(
        ["source", "freshness"],
        raw_dir=scenario.raw,
        work_dir=scenario.work / "freshness",
        duckdb_path=scenario.warehouse,
    )
    assert fresh.returncode != 0
    assert "ERROR STALE freshness of enrollments.enrollments" in fresh.output
    assert "PASS freshness of telco_churn.customers" in fresh.output


def test_the_first_build_with_a_broken_file_stops_that_domain_only(
    small_raw_dir: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(small_raw_dir, raw)
    path = raw / "marketing_campaign" / "marketing_campaign.csv"
    path.write_bytes(path.read_bytes().replace(b"\t", b","))
    result = run_dbt(
        [
            "build",
            "--select",
            "+domain_status",
            "+churn_scores",
            "+campaign_scores",
            "--indirect-selection",
            "cautious",
        ],
        raw_dir=raw,
        work_dir=tmp_path / "dbt",
    )
    assert result.returncode != 0
    assert "no earlier build of" in result.output
    assert "marketing_campaign.csv: the header has one field" in result.output
    status = status_by_domain(result.duckdb_path)
    assert status["campaign"]["status"] == "failed"
    assert status["churn"]["status"] == "ok"
    assert frame(result.duckdb_path, "select count(*) n from churn.churn_scores")["n"][0] > 0

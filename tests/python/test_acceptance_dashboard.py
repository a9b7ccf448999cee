"""The dashboard on the real public datasets (`make build-shared`'s data): every business page
renders the real build's snapshot in a real browser, leads with its rows, in business terms,
and says which dataset it shows (issue 13: "the same pages render on the real data")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import decision_checks as checks
import duckdb
import pytest
from conftest import REPO_ROOT, DbtResult

from dashboard import testing

pytestmark = pytest.mark.acceptance
ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard_shared"
#: Pages whose first screen is a list people act on (the first business table).
LIST_PAGES = {"sales", "churn", "campaign", "ecommerce", "enrollment"}


@pytest.fixture(scope="module")
def shared_app(shared_warehouse: DbtResult) -> Iterator[str]:
    snapshot = (
        shared_warehouse.target_path / "dashboard_snapshot" / shared_warehouse.duckdb_path.stem
    )
    assert snapshot.is_dir(), f"the real-data build published no snapshot in {snapshot}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with testing.running_app(snapshot, log_path=ARTIFACTS / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def shared_page(shared_app: str) -> Iterator[object]:
    try:
        with testing.browser() as chromium:
            page = chromium.new_page(viewport={"width": 1400, "height": 1400})
            yield page
    except testing.ChromiumUnavailable as exc:
        pytest.fail(f"Chromium cannot run, so the dashboard cannot be tested: {exc}")


def count(path: Path, sql: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return int(con.execute(sql).fetchone()[0])


def test_every_page_renders_the_real_data_in_business_terms(
    shared_warehouse: DbtResult, shared_app: str, shared_page
) -> None:
    page = shared_page
    for path, title in [testing.HOME, *testing.PAGES]:
        testing.goto(page, shared_app, path, title)
        assert page.get_by_text("Data: real public datasets").count() == 1, title
        if path in LIST_PAGES:
            headers, rows = testing.decision_table(page, 0)
            assert rows, f"{title}: the list it leads with is empty on the real data"
        testing.assert_business_terms(page, title)
        testing.full_page_screenshot(page, ARTIFACTS / f"{path or 'home'}.png")


def test_real_churn_list_holds_active_customers_only(
    shared_warehouse: DbtResult, shared_app: str, shared_page
) -> None:
    """On the real data every customer is labelled (the BigML file): the list holds the active
    ones only (the issue found 388 churned of 388 listed); when nobody active is above the
    threshold the page opens on every active customer, ranked, and says why."""
    db = shared_warehouse.duckdb_path
    active = count(db, "select count(*) from churn.churn_risk_list")
    at_risk = count(db, "select count(*) from churn.churn_risk_list where is_at_risk")
    churned = count(
        db,
        "select count(*) from churn.churn_risk_list l join churn.churn_features f "
        "using (customer_key) where f.churned",
    )
    assert active > 0 and churned == 0 and at_risk <= active
    testing.goto(shared_page, shared_app, "churn", "Churn")
    caption = shared_page.get_by_text(re.compile(r"Showing 1\u2013\d+ of [\d,]+")).first
    shown = int(re.search(r"of ([\d,]+)", caption.inner_text()).group(1).replace(",", ""))
    assert shown == (at_risk or active)
    if not at_risk:
        assert shared_page.get_by_text("No active customer is above the model's threshold").count()


def test_real_data_decisions_answer_their_users_questions(
    shared_warehouse: DbtResult, shared_app: str, shared_page
) -> None:
    """Issue 21 on the real data: the sales worklist within the age rule and the likely dead
    apart, the churn headline equal to the rows shown, segment names against their medians and
    12346 no Insider, the max-profit objective the most profitable with every plan inside its
    band, the total's own range, and Model health's scorecard."""
    checks.check_all(shared_page, shared_app, shared_warehouse.duckdb_path, real=True)

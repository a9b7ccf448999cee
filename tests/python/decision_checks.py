"""What every decision page must get right, checked in the browser against the warehouse; the
same checks run on the demo build (test_dashboard.py) and the real datasets
(test_acceptance_dashboard.py): each list answers its user's question, the headline counts the
rows shown, names derived from the data match the data.

Each check opens its page with ``page`` (a Playwright page) on the app at ``url`` and reads
the warehouse ``db`` the snapshot came from.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import query

from dashboard import testing


def scalar(path: Path, sql: str):
    return query(path, sql)[0][0]


def alert(page, text: str) -> str:
    """The whole text of the first info box (st.info) that contains ``text``."""
    return page.locator('[data-testid="stAlert"]').filter(has_text=text).first.inner_text()


def tables_fit(page, title: str) -> None:
    """No business table is wider than the page at the viewport's width: the column a person
    acts on (Why, Action, Situation) is never cut off."""
    overflow = page.evaluate(
        """() => Array.from(document.querySelectorAll('.decision-list-wrap')).map(
            w => w.scrollWidth - w.clientWidth)"""
    )
    assert all(o <= 1 for o in overflow), f"{title}: a table overflows by {overflow} px"


def check_sales(page, url: str, db: Path) -> None:
    """The worklist holds offers young enough to still close, ranked by expected value; the
    likely dead have their own list; headlines count those rows; reasons in business words."""
    testing.goto(page, url, "sales", "Sales pipeline")
    (work, dead, limit) = query(
        db,
        "select count(*) filter (where not is_likely_dead), count(*) filter (where "
        "is_likely_dead), max(likely_dead_after_days) from sales.open_offers",
    )[0]
    assert testing.metric_int(page, "Offers to work on") == work
    assert testing.metric_int(page, "Likely dead: close or requalify") == dead
    if work:
        ages = [int(a.split()[0].replace(",", "")) for a in testing.column(page, "Open for", 0)]
        assert ages and max(ages) <= limit, f"worklist offers older than {limit} days: {ages}"
        expected = [
            o
            for (o,) in query(
                db,
                "select offer_id from sales.open_offers where not is_likely_dead "
                "order by list_rank limit 25",
            )
        ]
        assert testing.column(page, "Offer", 0) == expected
        values = [
            v
            for (v,) in query(
                db,
                "select coalesce(expected_value, -1) from sales.open_offers "
                "where not is_likely_dead order by list_rank",
            )
        ]
        assert values == sorted(values, reverse=True), "worklist not ranked by expected value"
    # the worklist is the first table when it has rows, then the likely dead
    dead_table = 1 if work else 0
    why = (testing.column(page, "Why", 0) if work else []) + (
        testing.column(page, "Why", dead_table) if dead else []
    )
    assert why and all(w.startswith(("Open ", "Opened today")) for w in why), why[:3]
    assert not any("discount code number" in w for w in why), "reasons not in business words"
    if dead:
        dead_ages = [
            int(a.split()[0].replace(",", "")) for a in testing.column(page, "Open for", dead_table)
        ]
        assert min(dead_ages) > limit
        assert all("Close it or requalify it" in w for w in testing.column(page, "Why", dead_table))
    # the figures are the serving model's, named with their protocol
    (name,) = query(db, "select distinct model_name from sales.open_offers")[0]
    assert page.get_by_text(re.compile(rf"Scored by\s+{name}")).count() >= 1
    tables_fit(page, "Sales pipeline")


def check_churn(page, url: str, db: Path) -> None:
    """The headline describes the rows listed; every listed customer has its reasons, in both
    directions; the threshold's trade-off is stated in words."""
    testing.goto(page, url, "churn", "Churn")
    caption = page.get_by_text(re.compile(r"Showing 1\u2013\d+ of [\d,]+")).first
    shown = int(re.search(r"of ([\d,]+)", caption.inner_text()).group(1).replace(",", ""))
    at_risk = scalar(db, "select count(*) from churn.churn_risk_list where is_at_risk")
    label = "Customers at risk" if at_risk else "Active customers listed"
    assert testing.metric_int(page, label) == shown
    revenue = scalar(
        db,
        "select sum(revenue_at_risk) from churn.churn_risk_list"
        + (" where is_at_risk" if at_risk else ""),
    )
    listed = testing.money_value(testing.metric(page, "Revenue at risk (listed)"))
    assert abs(listed - revenue) < 0.01, (listed, revenue)
    why = testing.column(page, "Why")
    assert why and all(w.startswith("Raises the risk") or w.startswith("Lowers") for w in why)
    assert scalar(db, "select count(*) from churn.churn_risk_list where reasons is null") == 0, (
        "a listed customer without reasons"
    )
    assert page.get_by_text(re.compile(r"Lowering the line to \d+%")).count() >= 1
    tables_fit(page, "Churn")


def check_insiders(page, url: str, db: Path, real: bool) -> None:
    """Segment names match their medians (the dbt test checks every trait; here the page shows
    the names and actions the marts hold, one action per segment); customers without an id and
    customers whose returns cancel their purchases are not Insiders; money in business format."""
    testing.goto(page, url, "ecommerce", "Insiders")
    profiles = query(
        db, "select cluster_name, action from ecommerce.segment_profiles order by revenue desc"
    )
    shown = testing.column(page, "Segment", 1)
    assert shown == [n for n, _ in profiles]
    actions = testing.column(page, "Action", 1)
    assert len(set(actions)) == len(actions), f"segments share an action: {actions}"
    assert (
        scalar(
            db,
            "select count(*) from ecommerce.customer_segments where is_insider and "
            "(is_surrogate_customer or net_revenue <= 0)",
        )
        == 0
    )
    if real:
        assert (
            scalar(
                db, "select is_insider from ecommerce.customer_segments where customer_id = 12346"
            )
            is False
        )
        testing.goto(page, url, "ecommerce?q=12346", "Insiders")
        assert page.get_by_text("No eligible customers match these filters").count() == 1
        testing.goto(page, url, "ecommerce", "Insiders")
    answer = page.get_by_text(re.compile(r"of revenue \(")).first.inner_text()
    assert re.search(r"\d+% of revenue \(\S+ of \S+\)", answer), answer
    report = " ".join(a for (a,) in query(db, "select answer from ecommerce.insiders_report"))
    assert not re.search(r"\d{5,}", report), "a number without thousands separators"
    if real:
        assert re.search(r"£[\d.]+m of £[\d.]+m", report), report
    tables_fit(page, "Insiders")


def check_campaign(page, url: str, db: Path) -> None:
    """The page opens on the max-profit objective, whose plan is the most profitable; every
    planned profit lies inside its tested band on the plan's base."""
    testing.goto(page, url, "campaign", "Campaign")
    plan = query(
        db,
        "select objective, rule, expected_profit, tested_profit_low, tested_profit_high "
        "from campaign.campaign_plan order by display_order",
    )
    best = max(plan, key=lambda r: r[2])
    assert best[1] == "max_profit", f"the max-profit objective plans less than {best[0]}"
    for objective, _, profit, low, high in plan:
        assert low - 1e-6 <= profit <= high + 1e-6, f"{objective}: {profit} not in {low}-{high}"
    # the page opens on it: the headline is the max-profit plan's
    shown = testing.money_value(testing.metric(page, "Expected profit"))
    assert abs(shown - best[2]) < 1, (shown, best)
    tables_fit(page, "Campaign")


def check_enrollment(page, url: str, db: Path) -> None:
    """The total's range is the total's own; the backtest figures agree with each other."""
    testing.goto(page, url, "enrollment", "Enrollment")
    (total, low, high) = query(
        db,
        "select predict_alumnos, predicted_students_low, predicted_students_high "
        "from enrollment.enrollment_forecast_total",
    )[0]
    if low is not None:
        text = page.get_by_text(re.compile(r"All classes together")).first.inner_text()
        assert f"{total:,} students, likely between {low:,} and {high:,}" in text, text
    summed = scalar(db, "select sum(predicted_students_high) from enrollment.enrollment_forecast")
    assert high is None or high < summed, "the total's range is the sum of the classes' ranges"
    (classes, rows, mae) = query(
        db,
        "select classes, interval_rows, mae from enrollment.enrollment_backtest_metrics "
        "where scope = 'overall' and is_forecast_method",
    )[0]
    if rows is not None:
        sure = alert(page, "How sure is this")
        assert f"{int(rows):,} classes it gave a range for" in sure, sure
        if int(rows) != int(classes):
            assert f"of {int(classes):,} tested" in sure, sure
    footer = page.get_by_text(re.compile(r"The method in use erred by")).first.inner_text()
    assert f"erred by {mae:.2f} students per class" in footer, footer
    tables_fit(page, "Enrollment")


def check_model_health(page, url: str, db: Path) -> None:
    """Each model's headline figure with its protocol, its lift over its baseline and which of
    the two scores; a drifted feature says which test flagged it."""
    testing.goto(page, url, "model-health", "Model health")
    headers, rows = testing.decision_table(page, 0)
    assert headers[:3] == ["Model", "Domain", "Headline figure"], headers
    card = {
        r[0]: r
        for r in query(
            db, "select model_name, serving_model, lift, protocol from ml.model_scorecard"
        )
    }
    assert {r[0] for r in rows} == set(card)
    for row in rows:
        model, serving, _, _ = card[row[0]]
        if serving is not None:
            assert row[headers.index("Who scores, and why")].startswith(serving), row
    for flagged in query(db, "select flagged_by from ml.model_feature_drift where is_drifted"):
        assert flagged[0] and re.match(r"(KS|PSI) ", flagged[0])
    tables_fit(page, "Model health")


def check_all(page, url: str, db: Path, real: bool) -> None:
    """Every page's checks, in the pages' order (``real``: the real datasets' build)."""
    check_sales(page, url, db)
    check_churn(page, url, db)
    check_insiders(page, url, db, real=real)
    check_campaign(page, url, db)
    check_enrollment(page, url, db)
    check_model_health(page, url, db)

"""Acceptance: the Insiders segmentation on the real online-retail file (reference 004).

The figures (customers, chosen candidate, silhouette, Insiders shares) are printed and written
to test-artifacts/insiders_acceptance.json; README.md quotes the latest ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import DbtResult

pytestmark = pytest.mark.acceptance

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_insiders_segmentation_on_real_data(shared_warehouse: DbtResult) -> None:
    with duckdb.connect(str(shared_warehouse.duckdb_path), read_only=True) as con:
        customers, features = con.execute(
            "select (select count(*) from ecommerce.customer_segments), "
            "(select count(*) from ecommerce.customer_features)"
        ).fetchone()
        space, family, k, silhouette, separation = con.execute(
            "select space, family, k, silhouette, revenue_separation "
            "from ecommerce.segment_model_selection where is_chosen"
        ).fetchone()
        customer_share, revenue_share, target, cap = con.execute(
            "select avg(s.is_insider::int), "
            "sum(s.revenue) filter (where s.is_insider) / sum(s.revenue), "
            "any_value(a.insiders_revenue_share_target), any_value(a.insiders_max_customer_share) "
            "from ecommerce.customer_segments as s "
            "join ml.ecommerce_segment_assignments as a using (customer_id)"
        ).fetchone()
        candidates = con.execute(
            "select count(*) from ecommerce.segment_model_selection"
        ).fetchone()[0]
        report_share = con.execute(
            "select figure from ecommerce.insiders_report where question_number = 4"
        ).fetchone()[0]
    figures = {
        "customers": customers,
        "chosen": f"{space}/{family}/k={k}",
        "silhouette": round(silhouette, 4),
        "revenue_separation": round(separation, 4),
        "insiders_customer_share": round(customer_share, 4),
        "insiders_revenue_share": round(revenue_share, 4),
        "reference": "51.11% of customers, 86.76% of revenue, k=10, silhouette 0.57",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "insiders_acceptance.json").write_text(json.dumps(figures, indent=2))
    print(f"\n{figures}")
    assert customers == features and customers > 4000
    assert candidates == 2 * 2 * 11
    assert k >= 3 and 0 < silhouette <= 1
    # the Insiders are a minority of customers holding most of the revenue, within the cap
    assert 0 < customer_share <= cap < 1 and target == pytest.approx(0.85)
    assert revenue_share >= 0.5 and revenue_share > customer_share + 0.3
    assert report_share == pytest.approx(revenue_share)

"""Acceptance: the Insiders segmentation on the real online-retail file (reference 004)."""

from __future__ import annotations

import duckdb
import pytest

from conftest import DbtResult

pytestmark = pytest.mark.acceptance


def test_insiders_segmentation_on_real_data(shared_warehouse: DbtResult) -> None:
    with duckdb.connect(str(shared_warehouse.duckdb_path), read_only=True) as con:
        customers, features = con.execute(
            "select (select count(*) from marts.customer_segments), "
            "(select count(*) from marts.customer_features)").fetchone()
        space, family, k, silhouette = con.execute(
            "select space, family, k, silhouette from marts.segment_model_selection "
            "where is_chosen").fetchone()
        customer_share, revenue_share = con.execute(
            "select avg(is_insider::int), sum(revenue) filter (where is_insider) / sum(revenue) "
            "from marts.customer_segments").fetchone()
        candidates = con.execute("select count(*) from marts.segment_model_selection").fetchone()[0]
    print(f"\ncustomers={customers} chosen={space}/{family}/k={k} silhouette={silhouette:.3f} "
          f"insiders customer share={customer_share:.2%} revenue share={revenue_share:.2%} "
          f"(reference: 51.11% of customers, 86.76% of revenue)")
    assert customers == features and customers > 4000
    assert candidates == 2 * 2 * 11
    assert k >= 3 and 0 < silhouette <= 1
    assert revenue_share >= 0.85 and 0 < customer_share <= 1

"""Acceptance on the real public datasets (config/shared_datasets.yml): every classifier is
sliced by at least two attributes that exist in the real files, the OULAD forecast by its
regions; the campaign model's disparities are measured on its personal attributes and the
largest raise an alert; every registered version has a card. Run with
``pytest -m acceptance -s`` to see the figures."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from conftest import DbtResult

from revenue_ml.governance.cards import SECTIONS

pytestmark = pytest.mark.acceptance


def query(result: DbtResult, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(result.duckdb_path), read_only=True) as con:
        return con.execute(sql).df()


def test_real_slices_cover_every_classifier_and_the_forecast(shared_warehouse: DbtResult) -> None:
    attributes = query(
        shared_warehouse,
        "select model_name, slice_attribute, count(*) as groups, "
        "count(*) filter (where not is_small_group) as compared, max(worse_by) as worst "
        "from ml.model_slice_metrics where not is_overall "
        "group by model_name, slice_attribute order by model_name, slice_attribute",
    )
    print("\nslices on the real data (groups, compared groups, largest shortfall):")
    print(attributes.to_string(index=False))
    by_model = attributes.groupby("model_name")["slice_attribute"].apply(set).to_dict()
    assert by_model["churn_lightgbm"] == {"state_region", "international_plan", "voice_mail_plan"}
    for model in ("offer_close_at_close", "offer_close_at_open"):
        assert by_model[model] == {"lead_source", "use_case"}, model
    assert by_model["campaign_response"] == {
        "age_band",
        "education",
        "marital_status",
        "income_band",
    }
    # OULAD: site = the student's region, 13 of them
    sites = attributes[attributes["model_name"] == "enrollment_class_size"]
    assert list(sites["slice_attribute"]) == ["site"] and int(sites["groups"].iloc[0]) == 13
    # the real attributes are populated: more than one compared group per classifier attribute
    classifiers = attributes[~attributes["model_name"].str.startswith("enrollment")]
    assert (classifiers["compared"] >= 2).all(), classifiers


def test_real_gaps_and_disparities_raise_their_alerts(shared_warehouse: DbtResult) -> None:
    worst = query(
        shared_warehouse,
        "select model_name, slice_group, row_count, auc, worse_by from ml.model_slice_metrics "
        "where not is_small_group and not is_overall and primary_metric = 'auc' "
        "order by worse_by desc limit 5",
    )
    print("\nlargest AUC shortfalls on the real data:")
    print(worst.to_string(index=False))
    fairness = query(
        shared_warehouse,
        "select slice_attribute, max(demographic_parity_difference) as parity, "
        "max(equalized_odds_difference) as odds from ml.model_fairness "
        "where model_name = 'campaign_response' group by 1 order by 1",
    ).set_index("slice_attribute")
    print("\ncampaign_response disparities (largest over the four objectives):")
    print(fairness.to_string())
    # the response model leans on income: the income bands are selected most unequally
    assert fairness["parity"].idxmax() == "income_band"
    assert fairness.loc["income_band", "parity"] > 0.2
    alerts = query(
        shared_warehouse,
        "select rule_id, model_name, subject, message from ml.model_alerts where still_firing "
        "and rule_id in ('fairness_demographic_parity', 'fairness_equalized_odds', "
        "'slice_auc_far_below_overall', 'slice_wape_far_above_overall')",
    )
    print("\ngovernance alerts firing:")
    for message in alerts["message"]:
        print(" ", message)
    parity = alerts[alerts["rule_id"] == "fairness_demographic_parity"]
    assert ("campaign_response", "income band") in set(
        zip(parity["model_name"], parity["subject"], strict=True)
    )
    # an alert names a group worse than overall only when it is, by the rule's margin
    shortfalls = alerts[alerts["rule_id"] == "slice_auc_far_below_overall"]
    assert len(shortfalls), "no group far below its model's overall AUC on the real data"
    every = query(
        shared_warehouse,
        "select model_name, business_label || ': ' || slice_group as subject, max(worse_by) "
        "as worse_by from ml.model_slice_metrics where not is_small_group group by all",
    ).set_index(["model_name", "subject"])["worse_by"]
    for model, subject in zip(shortfalls["model_name"], shortfalls["subject"], strict=True):
        assert every[(model, subject)] > 0.1, (model, subject)


def test_every_real_version_has_a_card(shared_warehouse: DbtResult) -> None:
    cards = query(
        shared_warehouse,
        "select registry.model_version_id, cards.card_markdown from ml.model_registry as "
        "registry left join ml.model_cards as cards using (model_version_id)",
    )
    assert cards["card_markdown"].notna().all(), cards[cards["card_markdown"].isna()]
    for card in cards["card_markdown"]:
        assert all(f"## {section}" in card for section in SECTIONS)
    campaign = cards.set_index("model_version_id").loc["campaign_response@v1", "card_markdown"]
    assert "real public datasets" in campaign and "**income band**" in campaign

"""Campaign features from raw iFood marketing records: the twin of
``base_marketing_campaign__customers``, ``stg_marketing_campaign__customers`` and
``campaign_features``.

A record has the campaign file's columns. ``Response`` may be empty or absent (a customer to
score); ``Income`` may be empty (it is then imputed); ``Z_CostContact`` and ``Z_Revenue`` (the
file's constant campaign economics, never features) may be empty or absent. Age, tenure, the
imputation income and the plausible birth years come from the build
(``campaign.campaign_feature_parameters``), the marital-status mapping from the seed
``marital_status_map``. Row-level staging rules give errors: a missing or unparseable ID or
Dt_Customer (DD-MM-YYYY), a missing or unparseable count, an unparseable income, a Response
other than 0/1, a negative value, an implausible income or spend (vars
``marketing_campaign_max_income``, ``marketing_campaign_max_spend``). An ID given twice in a
batch is not an error: staging's duplicate-key rule is a file-level rule (it keeps one copy of a
key within the whole file), so, as for the other file-level rules, each record of a batch is
scored on its own values (two records of one customer, e.g. before and after a change, get a
score each, under the same ``customer_id``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from revenue_ml.contracts import MARKETING_CAMPAIGN
from revenue_ml.domains import campaign
from revenue_ml.domains.campaign import CATEGORICAL, ENGINEERED, KEY, NUMERIC, TARGET
from revenue_ml.raw_features import (
    BUILD_SETTINGS,
    RECORD,
    Check,
    Domain,
    RawFeatures,
    cents_to_double,
    clean,
    days_between,
    numbers,
    parse,
    split,
    staging_limit,
    text_records,
    typed,
    whole_number_checks,
)

COLUMNS = list(MARKETING_CAMPAIGN.columns)

#: Integer columns (raw -> staged name) a record must have.
INTEGERS = {
    "Year_Birth": "birth_year_raw",
    "Kidhome": "kids_at_home",
    "Teenhome": "teens_at_home",
    "Recency": "recency_days",
    "MntWines": "spend_wines",
    "MntFruits": "spend_fruits",
    "MntMeatProducts": "spend_meat",
    "MntFishProducts": "spend_fish",
    "MntSweetProducts": "spend_sweets",
    "MntGoldProds": "spend_gold",
    "NumDealsPurchases": "purchases_deals",
    "NumWebPurchases": "purchases_web",
    "NumCatalogPurchases": "purchases_catalog",
    "NumStorePurchases": "purchases_store",
    "NumWebVisitsMonth": "web_visits_last_month",
    "AcceptedCmp1": "accepted_campaign_1",
    "AcceptedCmp2": "accepted_campaign_2",
    "AcceptedCmp3": "accepted_campaign_3",
    "AcceptedCmp4": "accepted_campaign_4",
    "AcceptedCmp5": "accepted_campaign_5",
    "Complain": "complained",
}
#: The constant economics: optional when scoring, but a value given must be a whole number.
ECONOMICS = {"Z_CostContact": "cost_per_contact", "Z_Revenue": "revenue_per_responder"}
#: The spend columns (one per product category).
SPEND = [c for c in INTEGERS if c.startswith("Mnt")]
#: Counts and amounts that cannot be negative (everything but the birth year).
NONNEGATIVE = [c for c in INTEGERS if c != "Year_Birth"]

#: The columns of ``campaign_features`` the twin computes: the model's features
#: (:mod:`revenue_ml.domains.campaign`) and the income before imputation.
FEATURE_COLUMNS = [*CATEGORICAL, "income", *NUMERIC, *ENGINEERED]


def _expressions() -> list[str]:
    out = [
        f"{clean('ID')} as id_text",
        f"{parse('ID', 'integer')} as customer_id",
        f"{clean('Education')} as education",
        f"{clean('Marital_Status')} as marital_status_raw",
        f"{clean('Income')} as income_text",
        f"cast({parse('Income', 'decimal(12, 2)')} * 100 as bigint) as income_cents",
        f"{clean('Response')} as response_text",
        f"{parse('Response', 'integer')} as response",
        f"cast(try_strptime({clean('Dt_Customer')}, '%d-%m-%Y') as date) as enrolled_date",
    ]
    out += [f"{parse(c, 'integer')} as {n}" for c, n in {**INTEGERS, **ECONOMICS}.items()]
    out += [f"{clean(c)} as {n}_text" for c, n in ECONOMICS.items()]
    return out


EXPRESSIONS = _expressions()


def checks(parsed: pd.DataFrame, max_income: float, max_spend: float) -> list[Check]:
    """The staging's row-level reject reasons, one check per raw column."""
    customer = numbers(parsed, "customer_id")
    income = numbers(parsed, "income_cents")
    present = {c: ~pd.isna(parsed[c].to_numpy()) for c in ("income_text", "response_text")}
    values = {n: numbers(parsed, n) for n in {**INTEGERS, **ECONOMICS}.values()}
    out = [
        Check(
            "ID",
            np.isnan(customer),
            "ID is '{value}', not a whole number; give the customer's numeric id.",
            "ID is missing or empty; give the customer's numeric id.",
        ),
        Check(
            "Dt_Customer",
            pd.isna(parsed["enrolled_date"].to_numpy()),
            "Dt_Customer is '{value}', not a date; give it as DD-MM-YYYY (e.g. 04-09-2012).",
            "Dt_Customer is missing or empty; give the enrolment date as DD-MM-YYYY.",
        ),
        Check(
            "Income",
            present["income_text"] & np.isnan(income),
            "Income is '{value}', not a number; give the yearly income (e.g. 58138), or "
            "leave it empty to impute it.",
        ),
        Check("Income", income < 0, "Income is {value}; an income cannot be negative."),
        Check(
            "Income",
            income > max_income * 100,
            f"Income is {{value}}, above the plausible maximum {max_income:,.0f} (var "
            "marketing_campaign_max_income); check the value.",
        ),
        Check(
            "Response",
            present["response_text"]
            & ~np.isin(parsed["response_text"].to_numpy(dtype=object), ["0", "1"]),
            "Response must be 0, 1, or empty for a customer to score; got '{value}'.",
        ),
    ]
    out += whole_number_checks(INTEGERS, values)
    for column, name in ECONOMICS.items():
        out.append(
            Check(
                column,
                ~pd.isna(parsed[f"{name}_text"].to_numpy()) & np.isnan(values[name]),
                "{column} is '{value}', not a whole number; give one, or leave it empty.",
            )
        )
    for column in NONNEGATIVE:
        out.append(
            Check(
                column,
                values[INTEGERS[column]] < 0,
                "{column} is {value}; a count or an amount cannot be negative.",
            )
        )
    for column in SPEND:
        out.append(
            Check(
                column,
                values[INTEGERS[column]] > max_spend,
                f"{{column}} is {{value}}, above the plausible maximum {max_spend:,.0f} (var "
                "marketing_campaign_max_spend); check the value.",
            )
        )
    return out


def derive(parsed: pd.DataFrame, parameters: pd.DataFrame, marital: pd.DataFrame) -> pd.DataFrame:
    """``campaign_features`` columns from the parsed records (as ``campaign_features.sql``)
    with the build's ``parameters`` (one row) and the marital-status mapping seed."""
    params = parameters.iloc[0]
    low, high = int(params["min_plausible_birth_year"]), int(params["max_plausible_birth_year"])
    reference = pd.Timestamp(params["reference_date"])
    imputation = params["imputation_income"]
    imputation = None if pd.isna(imputation) else float(imputation)
    mapping = dict(zip(marital["marital_status_raw"], marital["marital_status"], strict=True))

    out = pd.DataFrame({RECORD: parsed[RECORD], KEY: parsed["customer_id"]})
    response = parsed["response"]
    out[TARGET] = (response == 1).astype("float64").where(response.notna())
    out["is_labeled"] = response.notna()
    out["education"] = parsed["education"]
    out["marital_status"] = parsed["marital_status_raw"].map(mapping).fillna("Unknown")
    birth = parsed["birth_year_raw"].astype("float64")
    plausible = birth.between(low, high)
    out["age"] = reference.year - birth.where(plausible)
    out["is_birth_year_implausible"] = (~plausible).astype("int64").where(birth.notna())
    out["tenure_days"] = days_between(
        parsed["enrolled_date"], pd.Series(reference, index=parsed.index)
    )
    income = cents_to_double(parsed["income_cents"])
    out["income"] = income
    out["income_imputed"] = income.fillna(imputation) if imputation is not None else income
    out["is_income_missing"] = income.isna().astype("int64")
    for name in INTEGERS.values():
        if name not in ("birth_year_raw", "complained"):
            out[name] = parsed[name].astype("float64")
    out["children_at_home"] = out["kids_at_home"] + out["teens_at_home"]
    spend = [INTEGERS[c] for c in SPEND]
    out["spend_total"] = out[spend].sum(axis=1, min_count=len(spend))
    channels = ["purchases_web", "purchases_catalog", "purchases_store"]
    out["purchases_total"] = out[channels].sum(axis=1, min_count=len(channels))
    accepted = [f"accepted_campaign_{i}" for i in range(1, 6)]
    out["campaigns_accepted"] = out[accepted].sum(axis=1, min_count=len(accepted))
    out["has_complained"] = (parsed["complained"] == 1).astype("int64")
    engineered(out)
    return out[[RECORD, KEY, TARGET, "is_labeled", *FEATURE_COLUMNS]]


def engineered(out: pd.DataFrame) -> None:
    """The engineered features of ``campaign_features.sql``, in place: shares and per-unit
    figures with denominators floored at 1 (``greatest(x, 1)``, which ignores a null ``x``)."""

    def floor1(values: pd.Series) -> pd.Series:
        return values.astype("float64").fillna(1.0).clip(lower=1.0)

    spend = out["spend_total"].astype("float64")
    purchases = out["purchases_total"].astype("float64")
    out["spend_per_purchase"] = spend / floor1(purchases)
    out["wine_share"] = out["spend_wines"] / floor1(spend)
    out["meat_share"] = out["spend_meat"] / floor1(spend)
    out["gold_share"] = out["spend_gold"] / floor1(spend)
    out["deals_share"] = out["purchases_deals"] / floor1(purchases + out["purchases_deals"])
    out["catalog_share"] = out["purchases_catalog"] / floor1(purchases)
    out["web_purchases_per_visit"] = out["purchases_web"] / floor1(out["web_visits_last_month"])
    partner = out["marital_status"].isin(["Married", "Together"]).astype("int64")
    out["lives_with_partner"] = partner
    out["household_size"] = 1 + out["children_at_home"] + partner
    out["income_per_household_member"] = out["income_imputed"] / out["household_size"]
    out["spend_to_income"] = spend / floor1(out["income_imputed"])


def features(
    raw: pd.DataFrame,
    parameters: pd.DataFrame,
    marital: pd.DataFrame,
    max_income: float,
    max_spend: float,
) -> RawFeatures:
    """``campaign_features`` rows of the good records of ``raw`` (index = record position) and
    the errors of the others."""
    records = text_records(raw, COLUMNS)
    parsed = typed(records, EXPRESSIONS)
    good, errors = split(
        derive(parsed, parameters, marital), checks(parsed, max_income, max_spend), records
    )
    return RawFeatures(good, errors)


def featurise(raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RawFeatures:
    """:func:`features` with the feature parameters, the marital-status map and the staging
    limits the build published."""
    return features(
        raw,
        tables["campaign.campaign_feature_parameters"],
        tables["seeds.marital_status_map"],
        staging_limit(tables, "marketing_campaign", "max_income"),
        staging_limit(tables, "marketing_campaign", "max_spend"),
    )


SCORING = Domain(
    name="campaign",
    title="Campaign response: probability that a customer answers the next campaign "
    "(iFood marketing_campaign file columns)",
    file="the iFood campaign file (marketing_campaign.csv)",
    key=KEY,
    registry="ml.campaign_model_versions",
    tables=(
        "ml.campaign_model_versions",
        BUILD_SETTINGS,
        "campaign.campaign_feature_parameters",
        "seeds.marital_status_map",
    ),
    columns=tuple(COLUMNS),
    required=("ID", "Dt_Customer", *INTEGERS),
    featurise=featurise,
    routes=campaign.ROUTES,
    example=campaign.EXAMPLE,
)

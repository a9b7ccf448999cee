"""Offer features from raw sales-pipeline records: the twin of ``base_sales_pipeline__offers``,
``stg_sales_pipeline__offers``, ``int_sales__offers_with_leads`` and ``offer_features``.

A record has the offers file's columns (``Id, Use Case, Status, Created Date, Close Date,
Price, Discount code, Pain, Loss Reason``). ``Created Date`` is required; ``Status`` may be
empty or absent for an offer being scored (it is then an open offer; staging requires it);
``Loss Reason`` leaks the outcome and is never used.

The lead features come, for each record, from:

1. the record's own lead columns, when it has a value in any of ``Lead Source``, ``Lead
   City``, ``Lead Acquisition Campaign`` or ``Lead Created Date`` (the leads file's ``Source``,
   ``City``, ``Acquisition Campaign`` and ``Created Date``, prefixed with ``Lead``): a lead the
   warehouse has not seen yet;
2. else the lead the warehouse knows under the record's ``Id`` (``sales.lead_attributes``, the
   staged leads);
3. else none (``has_lead`` 0, the lead features null), as in the mart.

``offer_id`` follows staging: ``o_`` + ``Id`` when the Id appears once in the batch, else a
digest of the creation fields with ``-2``, ``-3``... for creation twins. Row-level staging
rules give errors: a missing or unparseable created date, an unparseable close date, an
unknown status, an unparseable, negative or implausible price (var
``sales_pipeline_max_price``), and an unparseable lead created date.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from revenue_ml.contracts import OFFERS
from revenue_ml.domains import sales
from revenue_ml.domains.sales import KEY
from revenue_ml.raw_features import (
    BUILD_SETTINGS,
    RECORD,
    Check,
    Domain,
    RawFeatures,
    clean,
    days_between,
    identity_digest,
    parse,
    quoted,
    split,
    staging_limit,
    text_records,
    twin_numbers,
    typed,
)

CREATION_COLUMNS = ["Id", "Use Case", "Created Date", "Price", "Discount code", "Pain"]
OUTCOME_COLUMNS = ["Status", "Close Date", "Loss Reason"]
#: Optional lead columns of a record (the leads file's names, prefixed) -> feature inputs.
LEAD_COLUMNS = {
    "Lead Source": "lead_source",
    "Lead City": "lead_city",
    "Lead Acquisition Campaign": "lead_acquisition_campaign",
    "Lead Created Date": "lead_created_text",
}
COLUMNS = [*OFFERS.columns, *LEAD_COLUMNS]

#: The columns of ``offer_features`` the twin computes, in the mart's order.
FEATURE_COLUMNS = [
    "lead_id",
    "status",
    "is_closed",
    "is_corporate_event",
    "use_case",
    "price",
    "has_discount_code",
    "has_pain",
    "pain_category",
    "duration_days",
    "has_lead",
    "lead_source",
    "has_city",
    "has_acquisition_campaign",
    "days_lead_to_offer",
    "created_date",
    "close_date",
    # facts known at creation (the at_open model's features and candidates)
    "price_band",
    "discount_number",
    "use_case_or_not_recorded",
    "pain_or_not_recorded",
    "has_lead_id",
    "created_day_of_week",
    "created_day_of_month",
    "created_month",
    "outcome_known_date",
]
#: The mart's price bands: (upper bound exclusive, label) after 'missing' and '0'.
PRICE_BANDS = [(200, "1-199"), (400, "200-399"), (800, "400-799"), (2000, "800-1999")]


def _expressions() -> list[str]:
    out = [
        f"{identity_digest('h_', CREATION_COLUMNS)} as creation_digest",
        *[
            f"coalesce(trim({quoted(c)}), '') as {c.lower().replace(' ', '_')}_sort"
            for c in OUTCOME_COLUMNS
        ],
        f"{clean('Id')} as lead_id",
        f"{clean('Use Case')} as use_case",
        f"{clean('Status')} as status",
        f"{clean('Discount code')} as discount_code",
        f"{clean('Pain')} as pain",
        f"{clean('Price')} as price_text",
        f"{parse('Price', 'double')} as price",
        f"{parse('Created Date', 'date')} as created_date",
        f"{clean('Close Date')} as close_text",
        f"{parse('Close Date', 'date')} as close_date",
        f"{parse('Lead Created Date', 'date')} as lead_created_date",
    ]
    out += [f"{clean(c)} as {name}" for c, name in LEAD_COLUMNS.items()]
    return out


EXPRESSIONS = _expressions()


def checks(parsed: pd.DataFrame, statuses: pd.DataFrame, max_price: float) -> list[Check]:
    """The staging's row-level reject reasons (and the lead created date of a record's own
    lead, which staging would reject the lead for)."""
    known = sorted(statuses["status"].astype(str))
    return [
        Check(
            "Created Date",
            parsed["created_date"].isna().to_numpy(),
            "Created Date is '{value}', not a date; give it as YYYY-MM-DD.",
            "Created Date is missing or empty; give the date the offer was created, YYYY-MM-DD.",
        ),
        Check(
            "Close Date",
            (parsed["close_text"].notna() & parsed["close_date"].isna()).to_numpy(),
            "Close Date is '{value}', not a date; give it as YYYY-MM-DD, or leave it empty for "
            "an open offer.",
        ),
        Check(
            "Status",
            (parsed["status"].notna() & ~parsed["status"].isin(known)).to_numpy(),
            "Status '{value}' is not a known status (" + ", ".join(known) + "); use one of "
            "them, or leave it empty for an open offer.",
        ),
        Check(
            "Price",
            (parsed["price_text"].notna() & parsed["price"].isna()).to_numpy(),
            "Price is '{value}', not a number; give the price without currency signs or "
            "thousands separators (e.g. 2500).",
        ),
        Check(
            "Price",
            (parsed["price"] < 0).fillna(False).to_numpy(dtype=bool),
            "Price is {value}; a price cannot be negative.",
        ),
        Check(
            "Price",
            (parsed["price"] > max_price).fillna(False).to_numpy(dtype=bool),
            f"Price is {{value}}, above the plausible maximum {max_price:,.0f} (var "
            "sales_pipeline_max_price); check the value.",
        ),
        Check(
            "Lead Created Date",
            (parsed["lead_created_text"].notna() & parsed["lead_created_date"].isna()).to_numpy(),
            "Lead Created Date is '{value}', not a date; give it as YYYY-MM-DD.",
        ),
    ]


def offer_ids(parsed: pd.DataFrame) -> list[str]:
    """``o_`` + Id when the Id appears once in the batch, else the creation digest with the
    creation twin's number (staging's rule)."""
    ids = parsed["lead_id"]
    once = ids.map(ids.value_counts()).eq(1) & ids.notna()
    twin = twin_numbers(
        parsed, "creation_digest", ["status_sort", "close_date_sort", "loss_reason_sort", RECORD]
    )
    return [
        f"o_{lead}" if unique else (digest if n == 1 else f"{digest}-{n}")
        for lead, unique, digest, n in zip(ids, once, parsed["creation_digest"], twin, strict=True)
    ]


def derive(parsed: pd.DataFrame, statuses: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    """``offer_features`` columns from the parsed records (as ``offer_features.sql``)."""
    closed = dict(zip(statuses["status"], statuses["is_closed"].astype(bool), strict=True))
    out = pd.DataFrame({RECORD: parsed[RECORD], KEY: offer_ids(parsed)})
    out["lead_id"] = parsed["lead_id"]
    out["status"] = parsed["status"]
    out["is_closed"] = [bool(closed.get(status, False)) for status in parsed["status"]]
    out["is_corporate_event"] = (parsed["use_case"] == "Corporate Events").astype("int64")
    out["use_case"] = parsed["use_case"]
    out["price"] = parsed["price"].astype("float64")
    out["has_discount_code"] = parsed["discount_code"].notna().astype("int64")
    out["has_pain"] = parsed["pain"].notna().astype("int64")
    out["pain_category"] = parsed["pain"]
    out["duration_days"] = days_between(parsed["created_date"], parsed["close_date"])

    inline = parsed[list(LEAD_COLUMNS.values())].notna().any(axis=1)
    known = leads.set_index("lead_id")
    found = parsed["lead_id"].isin(known.index) & ~inline

    def looked_up(column: str) -> pd.Series:
        return parsed["lead_id"].map(known[column]).where(found)

    has_lead = inline | found
    out["has_lead"] = has_lead.astype("int64")
    out["lead_source"] = parsed["lead_source"].where(inline, looked_up("lead_source"))
    city = parsed["lead_city"].notna().where(inline, looked_up("has_city"))
    campaign = (
        parsed["lead_acquisition_campaign"]
        .notna()
        .where(inline, looked_up("has_acquisition_campaign"))
    )
    out["has_city"] = city.where(has_lead).astype("float64")
    out["has_acquisition_campaign"] = campaign.where(has_lead).astype("float64")
    lead_created = pd.to_datetime(parsed["lead_created_date"]).where(
        inline, pd.to_datetime(looked_up("lead_created_date"))
    )
    out["days_lead_to_offer"] = days_between(lead_created, parsed["created_date"])
    out["created_date"] = pd.to_datetime(parsed["created_date"])
    out["close_date"] = pd.to_datetime(parsed["close_date"])
    out["price_band"] = price_bands(out["price"])
    digits = parsed["discount_code"].astype("string").str.extract(r"([0-9]+)", expand=False)
    out["discount_number"] = pd.to_numeric(digits, errors="coerce").astype("float64")
    out["use_case_or_not_recorded"] = parsed["use_case"].fillna("not recorded")
    out["pain_or_not_recorded"] = parsed["pain"].fillna("not recorded")
    out["has_lead_id"] = parsed["lead_id"].notna().astype("int64")
    created = out["created_date"]
    out["created_day_of_week"] = ((created.dt.dayofweek + 1) % 7).astype("Int64")  # 0 = Sunday
    out["created_day_of_month"] = created.dt.day.astype("Int64")
    out["created_month"] = created.dt.month.astype("Int64")
    known = out["close_date"].where(out["close_date"] > created, created)
    out["outcome_known_date"] = known.where(out["is_closed"])
    return out[[RECORD, KEY, *FEATURE_COLUMNS]]


def price_bands(price: pd.Series) -> pd.Series:
    """The mart's ``price_band``: missing, 0, 1-199, 200-399, 400-799, 800-1999, 2000+."""
    out = pd.Series("2000+", index=price.index, dtype=object)
    for bound, label in reversed(PRICE_BANDS):
        out = out.where(~(price < bound), label)
    out = out.where(price != 0, "0")
    return out.where(price.notna(), "missing")


def features(
    raw: pd.DataFrame, statuses: pd.DataFrame, leads: pd.DataFrame, max_price: float
) -> RawFeatures:
    """``offer_features`` rows of the good records of ``raw`` (index = record position) and
    the errors of the others. ``statuses``: the ``offer_statuses`` seed; ``leads``:
    ``sales.lead_attributes``; ``max_price``: the build's var ``sales_pipeline_max_price``."""
    records = text_records(raw, COLUMNS)
    parsed = typed(records, EXPRESSIONS)
    good, errors = split(
        derive(parsed, statuses, leads), checks(parsed, statuses, max_price), records
    )
    return RawFeatures(good, errors)


def featurise(raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RawFeatures:
    """:func:`features` with the statuses, the leads and the staging limit the build
    published."""
    return features(
        raw,
        tables["seeds.offer_statuses"],
        tables["sales.lead_attributes"],
        staging_limit(tables, "sales_pipeline", "max_price"),
    )


SCORING = Domain(
    name="offers",
    title="Sales pipeline: probability that an offer closes won (offers file columns)",
    file="the sales offers file (offers.csv)",
    key=KEY,
    registry="ml.offer_model_versions",
    tables=(
        "ml.offer_model_versions",
        BUILD_SETTINGS,
        "sales.lead_attributes",
        "seeds.offer_statuses",
    ),
    columns=tuple(COLUMNS),
    required=("Created Date",),
    featurise=featurise,
    routes=sales.ROUTES,
    example=sales.EXAMPLE,
)

"""The e-commerce customer features in plain pandas, written the way the reference does it.

Reference 004 (the Insiders clustering notebook) builds its customer table by cleaning the
transaction frame with boolean masks, splitting it into a purchase and a returns frame, and then
computing each feature with its own ``groupby`` and merging it into ``df_ref`` (one row per
customer). This module does the same, with the project's rules (the defaults of the
``ecommerce_*`` vars and the seeds in ``seeds/ecommerce/``) so that the numbers can be compared
with the project's ``customer_features``:

- input: the staged lines (``stg_online_retail__transactions``: exact duplicates and
  negative prices already rejected), loaded in memory before the clock starts;
- lines without a customer get a surrogate id per invoice, counting up from 19000 (or the largest
  real id + 1 when that is higher) in invoice-number order;
- excluded: non-product stock codes (active patterns of the seed), unit price < 0.04, excluded
  countries, excluded customers; purchases are quantity >= 0, returns quantity < 0.

Only :func:`features` is timed by the benchmark.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Columns of the loaded frame (see :data:`LOAD_SQL`).
COLUMNS = [
    "transaction_line_id",
    "invoice_no",
    "stock_code",
    "customer_id",
    "country",
    "quantity",
    "unit_price",
    "invoice_date",
]

#: How the benchmark loads the staged lines into pandas (not timed). Prices become floats, as
#: ``pd.read_csv`` would give the reference; dates become datetime64. ``{transactions}``: the
#: staged lines' relation, from the dbt manifest.
LOAD_SQL = """
select
    transaction_line_id,
    invoice_no,
    stock_code,
    customer_id,
    country,
    quantity,
    cast(unit_price as double) as unit_price,
    cast(invoice_date as timestamp) as invoice_date
from {transactions}
order by transaction_line_id
"""


def _pattern_mask(codes: pd.Series, patterns: list[str]) -> pd.Series:
    """Stock codes matching any SQL LIKE pattern (exact codes via isin, wildcards via regex)."""
    exact = [p for p in patterns if "%" not in p and "_" not in p]
    mask = codes.isin(exact)
    for p in patterns:
        if p in exact:
            continue
        regex = (
            "^"
            + "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in p)
            + "$"
        )
        mask |= codes.str.match(regex, na=False)
    return mask


def features(
    df: pd.DataFrame,
    *,
    non_product_patterns: list[str],
    excluded_countries: list[str],
    excluded_customers: list[int],
    min_unit_price: float = 0.04,
    surrogate_start: int = 19_000,
) -> pd.DataFrame:
    """One row per customer with an included purchase, indexed by customer_id."""
    df = df.copy()

    # --- missing customers: one surrogate per invoice, in invoice-number order
    is_missing = df["customer_id"].isna()
    if (~is_missing).any():  # never collide with a real id (as int_ecommerce__surrogate_customers)
        surrogate_start = max(surrogate_start, int(df.loc[~is_missing, "customer_id"].max()) + 1)
    missing_invoices = pd.Series(sorted(df.loc[is_missing, "invoice_no"].unique()))
    surrogate = pd.Series(
        np.arange(surrogate_start, surrogate_start + len(missing_invoices)),
        index=missing_invoices.to_numpy(),
    )
    df["is_surrogate_customer"] = is_missing
    df.loc[is_missing, "customer_id"] = df.loc[is_missing, "invoice_no"].map(surrogate)
    df["customer_id"] = df["customer_id"].astype("int64")
    reference_date = df["invoice_date"].max()

    # --- cleaning rules (the reference's boolean masks)
    df = df[~_pattern_mask(df["stock_code"], non_product_patterns)]
    df = df[df["unit_price"] >= min_unit_price]
    df = df[~df["country"].isin(excluded_countries)]
    df = df[~df["customer_id"].isin(excluded_customers)]

    # --- purchases and returns
    df_purchase = df[df["quantity"] >= 0].copy()
    df_returns = df[df["quantity"] < 0].copy()
    df_purchase["gross_revenue"] = df_purchase["quantity"] * df_purchase["unit_price"]

    # --- df_ref: one row per customer, each feature merged in turn
    df_ref = (
        df_purchase[["customer_id", "is_surrogate_customer"]]
        .groupby("customer_id")
        .any()
        .reset_index()
    )

    # monetary
    df_monetary = df_purchase[["customer_id", "gross_revenue"]].groupby("customer_id").sum()
    df_monetary = df_monetary.reset_index().rename(columns={"gross_revenue": "revenue"})
    df_ref = pd.merge(df_ref, df_monetary, on="customer_id", how="left")

    # recency
    df_recency = df_purchase[["customer_id", "invoice_date"]].groupby("customer_id").max()
    df_recency = df_recency.reset_index()
    df_recency["recency_days"] = (reference_date - df_recency["invoice_date"]).dt.days
    df_ref = pd.merge(
        df_ref, df_recency[["customer_id", "recency_days"]], on="customer_id", how="left"
    )

    # total purchases (invoices)
    df_invoices = df_purchase[["customer_id", "invoice_no"]].groupby("customer_id").nunique()
    df_invoices = df_invoices.reset_index().rename(columns={"invoice_no": "total_purchases"})
    df_ref = pd.merge(df_ref, df_invoices, on="customer_id", how="left")

    # total products (units)
    df_products = df_purchase[["customer_id", "quantity"]].groupby("customer_id").sum()
    df_products = df_products.reset_index().rename(columns={"quantity": "total_products"})
    df_ref = pd.merge(df_ref, df_products, on="customer_id", how="left")

    # distinct stock codes and purchase lines
    df_codes = (
        df_purchase[["customer_id", "stock_code"]]
        .groupby("customer_id")
        .agg(distinct_stock_codes=("stock_code", "nunique"), purchase_lines=("stock_code", "count"))
        .reset_index()
    )
    df_ref = pd.merge(df_ref, df_codes, on="customer_id", how="left")

    # avg ticket (mean line amount, as the reference's groupby mean)
    df_avg_ticket = df_purchase[["customer_id", "gross_revenue"]].groupby("customer_id").mean()
    df_avg_ticket = df_avg_ticket.reset_index().rename(columns={"gross_revenue": "avg_ticket"})
    df_ref = pd.merge(df_ref, df_avg_ticket, on="customer_id", how="left")

    # frequency: purchases per day of active span; avg days between distinct purchase dates
    df_span = (
        df_purchase[["customer_id", "invoice_no", "invoice_date"]]
        .groupby("customer_id")
        .agg(
            first=("invoice_date", "min"),
            last=("invoice_date", "max"),
            purchase_days=("invoice_date", "nunique"),
            invoices=("invoice_no", "nunique"),
        )
        .reset_index()
    )
    span_days = (df_span["last"] - df_span["first"]).dt.days
    df_span["frequency"] = df_span["invoices"] / (span_days + 1)
    df_span["avg_days_between_purchases"] = span_days / (df_span["purchase_days"] - 1).replace(
        0, np.nan
    )
    df_ref = pd.merge(
        df_ref,
        df_span[["customer_id", "frequency", "avg_days_between_purchases"]],
        on="customer_id",
        how="left",
    )

    # basket size and unique basket size (means over invoices)
    df_basket = (
        df_purchase[["customer_id", "invoice_no", "quantity", "stock_code"]]
        .groupby(["customer_id", "invoice_no"])
        .agg(units=("quantity", "sum"), codes=("stock_code", "nunique"))
        .reset_index()
    )
    df_basket = (
        df_basket.groupby("customer_id")
        .agg(basket_size=("units", "mean"), unique_basket_size=("codes", "mean"))
        .reset_index()
    )
    df_ref = pd.merge(df_ref, df_basket, on="customer_id", how="left")

    # returns (units returned, positive)
    df_returned = df_returns[["customer_id", "quantity"]].groupby("customer_id").sum()
    df_returned = df_returned.reset_index().rename(columns={"quantity": "returned_units"})
    df_returned["returned_units"] = -df_returned["returned_units"]
    df_ref = pd.merge(df_ref, df_returned, on="customer_id", how="left")
    df_ref["returned_units"] = df_ref["returned_units"].fillna(0).astype("int64")

    return df_ref.set_index("customer_id").sort_index()


#: Columns compared between implementations: exact (integers) and approximate (floats).
EXACT_COLUMNS = [
    "recency_days",
    "total_purchases",
    "total_products",
    "distinct_stock_codes",
    "purchase_lines",
    "returned_units",
]
APPROX_COLUMNS = [
    "revenue",
    "avg_ticket",
    "frequency",
    "avg_days_between_purchases",
    "basket_size",
    "unique_basket_size",
]


def compare(
    left: pd.DataFrame, right: pd.DataFrame, *, rel: float = 1e-9, money_abs: float = 0.01
) -> dict:
    """Compare two feature frames indexed by customer_id; a dict with ``agree`` and details.

    Counts must be equal; ``revenue`` within ``money_abs`` GBP per customer (the warehouse sums
    decimals, pandas floats); other floats within ``rel`` (relative) — both null counts as equal.
    """
    out: dict = {"rows_left": int(len(left)), "rows_right": int(len(right)), "columns": {}}
    same_keys = set(left.index) == set(right.index)
    out["same_customers"] = same_keys
    if not same_keys:
        out["agree"] = False
        out["only_left"] = int(len(set(left.index) - set(right.index)))
        out["only_right"] = int(len(set(right.index) - set(left.index)))
        return out
    right = right.loc[left.index]
    agree = True
    for col in EXACT_COLUMNS:
        a = left[col].astype("int64").to_numpy()
        b = right[col].astype("int64").to_numpy()
        mismatches = int((a != b).sum())
        out["columns"][col] = {"mismatches": mismatches, "tolerance": "exact"}
        agree &= mismatches == 0
    for col in APPROX_COLUMNS:
        a = left[col].astype("float64").to_numpy()
        b = right[col].astype("float64").to_numpy()
        both_null = np.isnan(a) & np.isnan(b)
        if col == "revenue":
            ok = np.abs(a - b) <= money_abs
            tol = f"abs {money_abs}"
        else:
            ok = np.isclose(a, b, rtol=rel, atol=0.0)
            tol = f"rel {rel:g}"
        ok |= both_null
        diff = np.abs(a - b)
        diff = diff[~np.isnan(diff)]
        out["columns"][col] = {
            "mismatches": int((~ok).sum()),
            "max_abs_diff": float(diff.max()) if len(diff) else 0.0,
            "tolerance": tol,
        }
        agree &= bool(ok.all())
    surrogate_mismatch = int(
        (
            left["is_surrogate_customer"].astype(bool).to_numpy()
            != right["is_surrogate_customer"].astype(bool).to_numpy()
        ).sum()
    )
    out["columns"]["is_surrogate_customer"] = {
        "mismatches": surrogate_mismatch,
        "tolerance": "exact",
    }
    agree &= surrogate_mismatch == 0
    out["total_revenue_left"] = float(left["revenue"].astype(float).sum())
    out["total_revenue_right"] = float(right["revenue"].astype(float).sum())
    out["agree"] = bool(agree)
    return out

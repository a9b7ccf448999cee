"""Churn features from raw BigML records: the twin of ``base_telco_churn__customers``,
``stg_telco_churn__customers`` and ``churn_features``.

Every column of the BigML file is read; ``Churn`` may be absent or empty (a customer to
score), ``Area code`` may be absent (it only enters the customer key). ``customer_key`` is the
staging key: a digest of every column but ``Churn``, with ``-2``, ``-3``... for exact twins
within the batch. The staging's row-level rules give errors: a missing state, a missing or
unparseable number, a negative count or amount, minutes above var ``telco_churn_max_minutes``,
a plan flag other than Yes/No, a Churn value other than True/False/1/0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from revenue_ml.contracts import TELCO_CHURN
from revenue_ml.domains import churn
from revenue_ml.domains.churn import FEATURES, KEY, TARGET
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.raw_features import (
    BUILD_SETTINGS,
    RECORD,
    Check,
    Domain,
    RawFeatures,
    clean,
    identity_digest,
    numbers,
    parse,
    quoted,
    split,
    staging_limit,
    text_records,
    twin_numbers,
    typed,
    whole_number_checks,
)

INTEGERS = {
    "Account length": "account_length_days",
    "Number vmail messages": "vmail_messages",
    "Total day calls": "day_calls",
    "Total eve calls": "eve_calls",
    "Total night calls": "night_calls",
    "Total intl calls": "intl_calls",
    "Customer service calls": "customer_service_calls",
}
DECIMALS = {
    "Total day minutes": "day_minutes",
    "Total day charge": "day_charge",
    "Total eve minutes": "eve_minutes",
    "Total eve charge": "eve_charge",
    "Total night minutes": "night_minutes",
    "Total night charge": "night_charge",
    "Total intl minutes": "intl_minutes",
    "Total intl charge": "intl_charge",
}
MINUTES = ["Total day minutes", "Total eve minutes", "Total night minutes", "Total intl minutes"]
PLANS = {"International plan": "has_international_plan", "Voice mail plan": "has_voice_mail_plan"}
#: Columns that identify a customer row (the key digest): every raw column but the label.
IDENTITY_COLUMNS = [c for c in TELCO_CHURN.columns if c != "Churn"]
#: Raw columns the twin reads.
COLUMNS = list(TELCO_CHURN.columns)
DECIMAL = "decimal(10, 2)"
CHURN_LABELS = {"True": 1.0, "False": 0.0, "1": 1.0, "0": 0.0}


def _expressions() -> list[str]:
    """The parse of every raw column, as staging writes it (decimals fetched as whole cents,
    so that sums stay exact as in DuckDB)."""
    out = [
        f"{identity_digest('cust_', IDENTITY_COLUMNS)} as identity_digest",
        f"coalesce(trim({quoted('Churn')}), '') as churn_text",
        f"{clean('State')} as state",
    ]
    out += [f"{clean(c)} as {n}_text" for c, n in PLANS.items()]
    out += [f"{parse(c, 'integer')} as {n}" for c, n in INTEGERS.items()]
    out += [
        f"cast({parse(c, 'decimal(10, 2)')} * 100 as bigint) as {n}" for c, n in DECIMALS.items()
    ]
    return out


EXPRESSIONS = _expressions()


def checks(parsed: pd.DataFrame, max_minutes: float) -> list[Check]:
    """The staging's row-level reject reasons, one check per raw column."""
    values = {n: numbers(parsed, n) for n in {**INTEGERS, **DECIMALS}.values()}
    out = [
        Check(
            "State",
            pd.isna(parsed["state"].to_numpy()),
            "",
            "State is missing or empty; give the customer's state (e.g. KS).",
        )
    ]
    out += whole_number_checks(INTEGERS, values)
    for column, name in DECIMALS.items():
        out.append(
            Check(
                column,
                np.isnan(values[name]),
                "{column} is '{value}', not a number; give one such as 180.5.",
                "{column} is missing or empty; give a number such as 180.5.",
            )
        )
    for column, name in {**INTEGERS, **DECIMALS}.items():
        out.append(
            Check(
                column,
                values[name] < 0,
                "{column} is {value}; a count or an amount cannot be negative.",
            )
        )
    for column in MINUTES:
        out.append(
            Check(
                column,
                values[DECIMALS[column]] > max_minutes * 100,
                "{column} is {value}, more than the "
                f"{max_minutes:,.0f} minutes in a month (var telco_churn_max_minutes); "
                "check the value and its unit.",
            )
        )
    for column, name in PLANS.items():
        out.append(
            Check(
                column,
                ~np.isin(parsed[f"{name}_text"].to_numpy(dtype=object), ["Yes", "No"]),
                "{column} must be Yes or No, got '{value}'.",
                "{column} is missing or empty; give Yes or No.",
            )
        )
    churn_text = parsed["churn_text"].to_numpy(dtype=object)
    out.append(
        Check(
            "Churn",
            (churn_text != "") & ~np.isin(churn_text, list(CHURN_LABELS)),
            "Churn must be True, False, 1, 0, or empty for a customer to score; got '{value}'.",
        )
    )
    return out


def derive(parsed: pd.DataFrame) -> pd.DataFrame:
    """``churn_features`` columns from the parsed records (as ``churn_features.sql``), the
    features in the model's order (:data:`revenue_ml.domains.churn.FEATURES`)."""
    twin = twin_numbers(parsed, "identity_digest", ["churn_text", RECORD])
    digests = parsed["identity_digest"]
    churned = parsed["churn_text"].map(CHURN_LABELS).to_numpy(dtype="float64")
    out = {
        RECORD: parsed[RECORD].to_numpy(),
        KEY: [d if n == 1 else f"{d}-{n}" for d, n in zip(digests, twin, strict=True)],
        TARGET: churned,
        "is_labeled": ~np.isnan(churned),
    }
    for name in PLANS.values():
        out[name] = (parsed[f"{name}_text"].to_numpy() == "Yes").astype("int64")
    for name in INTEGERS.values():
        out[name] = parsed[name].to_numpy(dtype="float64", na_value=np.nan)
    cents = {n: parsed[n].to_numpy(dtype="float64", na_value=np.nan) for n in DECIMALS.values()}
    for name, values in cents.items():
        out[name] = values / 100.0  # DuckDB's decimal -> double: exact cents / 100, rounded
    # sums of exact cents, as DuckDB adds decimals before casting the total to double
    out["total_minutes"] = sum(cents[DECIMALS[c]] for c in MINUTES) / 100.0
    out["total_calls"] = sum(
        out[c] for c in ("day_calls", "eve_calls", "night_calls", "intl_calls")
    )
    charges = ("day_charge", "eve_charge", "night_charge", "intl_charge")
    out["total_charge"] = sum(cents[c] for c in charges) / 100.0
    return pd.DataFrame(out, copy=False)[[RECORD, KEY, TARGET, "is_labeled", *FEATURES]]


def features(raw: pd.DataFrame, max_minutes: float) -> RawFeatures:
    """``churn_features`` rows of the good records of ``raw`` (index = record position) and
    the errors of the others. ``max_minutes``: the build's var ``telco_churn_max_minutes``."""
    records = text_records(raw, COLUMNS)
    parsed = typed(records, EXPRESSIONS)
    good, errors = split(derive(parsed), checks(parsed, max_minutes), records)
    return RawFeatures(good, errors)


def customer_keys(raw: pd.DataFrame) -> list[str]:
    """The staging key of each raw BigML row: ``cust_`` + the first 16 hex digits of the MD5 of
    the trimmed identity values (every column but ``Churn``) joined by the ASCII unit
    separator; exact twins get ``-2``, ``-3``... (in the order of their ``Churn`` value, then
    file order). The SQL twin is the ``identity_digest`` macro."""
    parsed = typed(text_records(raw, COLUMNS), EXPRESSIONS)
    return derive(parsed)[KEY].tolist()


def features_from_raw(raw: pd.DataFrame, max_minutes: float = float("inf")) -> pd.DataFrame:
    """``churn_features`` rows computed from raw BigML-schema rows (all columns as text), in
    row order; ``Churn`` may be absent. Rows staging would reject raise
    :class:`ModelInputError` naming their row numbers (1-based) and the first problem.
    ``max_minutes``: the var ``telco_churn_max_minutes`` (default: no limit)."""
    missing = [c for c in COLUMNS if c not in raw.columns and c not in ("Churn",)]
    if missing:
        raise ModelInputError(f"churn scoring input lacks column(s) {missing}")
    result = features(raw, max_minutes)
    if len(result.errors):
        rows = sorted({int(r) + 1 for r in result.errors["record"]})
        raise ModelInputError(
            f"churn scoring input: row(s) {rows[:20]} cannot be scored (first problem: "
            f"{result.errors['message'].iloc[0]}); fix or remove them."
        )
    return result.features.reset_index(drop=True)[[KEY, TARGET, "is_labeled", *FEATURES]]


def featurise(raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RawFeatures:
    """:func:`features` with the staging limit the build published."""
    return features(raw, staging_limit(tables, "telco_churn", "max_minutes"))


SCORING = Domain(
    name="churn",
    title="Telecom churn: probability that a customer leaves (BigML churn file columns)",
    file="the BigML churn file (churn-bigml-80.csv)",
    key=KEY,
    registry="ml.churn_model_versions",
    tables=("ml.churn_model_versions", BUILD_SETTINGS),
    columns=tuple(COLUMNS),
    required=tuple(c for c in COLUMNS if c not in ("Area code", "Churn")),
    featurise=featurise,
    routes=churn.ROUTES,
    example=churn.EXAMPLE,
)

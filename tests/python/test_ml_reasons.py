"""Reasons in business words (revenue_ml.ml.reasons): both directions on the decision lists,
features that read the same given once, features stated elsewhere left out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from revenue_ml.ml.reasons import FeatureLabel, Wording, row_reasons

LABELS = {
    "calls": FeatureLabel("customer-service calls", "count"),
    "plan": FeatureLabel("voice-mail plan", "flag"),
    "charge": FeatureLabel("total charge", "money", currency="$"),
    "has_code": FeatureLabel("discount code", "flag", no="no discount code", source="code"),
    "code_number": FeatureLabel("discount code", "flag", no="no discount code", source="code"),
    "age": FeatureLabel("open for", "days"),
}
ROWS = pd.DataFrame(
    {
        "calls": [4, 1],
        "plan": [0, 1],
        "charge": [84.3, 60.0],
        "has_code": [1, 0],
        "code_number": [20.0, np.nan],
        "code": ["SAVE20", None],
        "age": [400, 3],
    }
)
NAMES = list(LABELS)
MEANS = {"calls": 1.5, "charge": 60.0}


def test_both_directions_with_their_words() -> None:
    contrib = np.array([[0.9, -0.3, 0.4, 0.0, 0.0, 0.0], [-0.2, 0.0, -0.1, 0.0, 0.0, 0.0]])
    out = row_reasons(NAMES, contrib, ROWS, LABELS, MEANS, wording=Wording("Raises", "Lowers"))
    assert out[0] == (
        "Raises: 4 customer-service calls (2.7x the average); total charge $84.30 (1.4x the "
        "average). Lowers: no voice-mail plan"
    )
    assert out[1] == (
        "Lowers: 1 customer-service calls (0.7x the average); total charge $60 (about average)"
    )


def test_features_reading_the_same_are_one_reason_and_skipped_ones_are_silent() -> None:
    # the code's flag and its number both read "discount code SAVE20": one reason, summed
    contrib = np.array([[0.1, 0.0, 0.0, 0.3, 0.3, 2.0], [0.0, 0.0, 0.0, -0.2, -0.1, -3.0]])
    out = row_reasons(
        NAMES,
        contrib,
        ROWS,
        LABELS,
        MEANS,
        skip=frozenset({"age"}),
        wording=Wording("For", "Against"),
    )
    assert out[0] == "For: discount code SAVE20; 4 customer-service calls (2.7x the average)"
    assert out[1] == "Against: no discount code"
    assert not any("open for" in o for o in out)


def test_without_wording_only_what_pushed_it_up() -> None:
    contrib = np.array([[0.9, -0.3, 0.4, 0.0, 0.0, 0.0], [-0.2, 0.0, -0.1, 0.0, 0.0, 0.0]])
    out = row_reasons(NAMES, contrib, ROWS, LABELS, MEANS)
    assert (
        out[0]
        == "4 customer-service calls (2.7x the average); total charge $84.30 (1.4x the average)"
    )
    assert out[1] == "no single factor stands out"


def test_a_personal_feature_is_named_without_its_value() -> None:
    from revenue_ml.domains import campaign

    names = ["income_imputed", "marital_status", "recency_days"]
    rows = pd.DataFrame(
        {"income_imputed": [84_123.0], "marital_status": ["Single"], "recency_days": [4.0]}
    )
    contrib = np.array([[0.9, 0.5, 0.3]])
    (out,) = row_reasons(
        names,
        contrib,
        rows,
        campaign.LABELS,
        {"income_imputed": 52_000.0, "recency_days": 49.5},
        categorical=frozenset({"marital_status"}),
    )
    assert out == (
        "household income (personal data); marital status (personal data); "
        "last purchase 4 days (0.1x the average)"
    )
    assert "84" not in out and "Single" not in out
    # every campaign feature that describes the person is marked so
    personal = {name for name, label in campaign.LABELS.items() if label.personal}
    assert {"age", "income_imputed", "education", "marital_status", "kids_at_home"} <= personal

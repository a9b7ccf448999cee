"""Reasons in business words: why a row scored as it did.

A scored row's per-feature contributions (LightGBM ``pred_contrib``, forest path
decomposition, coefficient x value) say which features pushed its probability up. A person
acting on the row needs those features as facts about the customer or the offer, with the
comparison that makes them meaningful::

    4 customer-service calls (2.6x the average); international plan; 290 daytime minutes
    (1.6x the average)

Each domain names its features once (:class:`FeatureLabel`: the words and the kind of value,
which decides the format); a feature without a label is still described, from its column name.
The average is the training data's (the registered version's ``reference_profile``), so the
comparison is with the customers the model learnt from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Kinds of value, each with its format.
KINDS = ("count", "minutes", "days", "money", "percent", "flag", "category", "number", "years")
#: Reasons given per row.
TOP_REASONS = 3
#: Ratios to the average closer to 1 than this are "about average" (and not worth a ratio).
RATIO_BAND = 0.15
#: Separator between the reasons of a row.
SEPARATOR = "; "


@dataclass(frozen=True)
class FeatureLabel:
    """How a feature reads in business words.

    ``label``: the words ("customer-service calls"); ``kind``: one of :data:`KINDS`; ``no``:
    for a flag, the words when it is 0 ("no voice-mail plan", default "no " + label);
    ``currency``: the money symbol of a ``money`` feature.
    """

    label: str
    kind: str = "number"
    no: str | None = None
    currency: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; use one of {KINDS}")


def default_label(feature: str, categorical: bool = False) -> FeatureLabel:
    """A label read from the column name (``lead_source`` -> "lead source")."""
    words = feature.replace("_", " ").strip()
    if categorical:
        return FeatureLabel(words, "category")
    if feature.startswith(("has_", "is_")):
        return FeatureLabel(words.split(" ", 1)[-1], "flag")
    return FeatureLabel(words)


def _number(value: float, decimals: int = 0) -> str:
    """Thousands separators; whole numbers without decimals."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{decimals}f}" if decimals else f"{value:,.1f}"


def _ratio(value: float, average: float | None) -> str:
    """ " (2.6x the average)", " (about average)" or "" when there is no usable average."""
    if average is None or not math.isfinite(average) or average <= 0 or value < 0:
        return ""
    ratio = value / average
    if abs(ratio - 1) < RATIO_BAND:
        return " (about average)"
    if ratio < 0.05:
        return f" (average {_number(average, 1)})"
    return f" ({ratio:.1f}x the average)"


def describe(feature: str, value: object, average: float | None, label: FeatureLabel) -> str:
    """One feature of one row as a fact, e.g. "4 customer-service calls (2.6x the average)"."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return f"{label.label} unknown"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{label.label}: {value}"
    if label.kind == "category":
        return f"{label.label}: {value}"
    if label.kind == "flag":
        return label.label if number >= 0.5 else (label.no or f"no {label.label}")
    compared = _ratio(number, average)
    if label.kind == "count":
        return f"{_number(number)} {label.label}{compared}"
    if label.kind == "minutes":
        return f"{_number(number)} {label.label}{compared}"
    if label.kind == "days":
        return f"{label.label} {_number(number)} days{compared}"
    if label.kind == "years":
        return f"{label.label} {_number(number)} years{compared}"
    if label.kind == "money":
        return f"{label.label} {label.currency}{_number(number)}{compared}"
    if label.kind == "percent":
        return f"{label.label} {number:.0%}{compared}"
    return f"{label.label} {_number(number, 2)}{compared}"


def averages(profile: Mapping | None) -> dict[str, float]:
    """Training averages of the numeric features from a ``reference_profile`` (its ``mean``,
    else the mean of its stored sample)."""
    out = {}
    for name, summary in ((profile or {}).get("numeric") or {}).items():
        if summary.get("mean") is not None:
            out[name] = float(summary["mean"])
        elif summary.get("sample"):
            out[name] = float(np.mean(summary["sample"]))
    return out


def row_reasons(
    names: list[str],
    contributions: np.ndarray,
    rows: pd.DataFrame,
    labels: Mapping[str, FeatureLabel],
    means: Mapping[str, float],
    top: int = TOP_REASONS,
    categorical: frozenset[str] = frozenset(),
) -> list[str]:
    """For each row: its ``top`` features that pushed the probability up the most, described
    (largest first, ties by feature name), joined by :data:`SEPARATOR`; "no single factor
    stands out" when none pushed it up."""
    out = []
    columns = {name: rows[name].to_numpy(dtype=object) for name in names}
    order_names = np.argsort(np.asarray(names, dtype=object), kind="mergesort")
    for i in range(len(rows)):
        contrib = contributions[i]
        # stable: by contribution descending, ties by name
        ranked = sorted(order_names, key=lambda j: -contrib[j])
        picked = [j for j in ranked if contrib[j] > 0][:top]
        if not picked:
            out.append("no single factor stands out")
            continue
        out.append(
            SEPARATOR.join(
                describe(
                    names[j],
                    columns[names[j]][i],
                    means.get(names[j]),
                    labels.get(names[j]) or default_label(names[j], names[j] in categorical),
                )
                for j in picked
            )
        )
    return out

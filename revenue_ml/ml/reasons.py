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
#: What a personal feature's reason says in place of its value.
PERSONAL = "(personal data)"
#: The reasons of a row no factor pushed strongly enough.
NOTHING_STANDS_OUT = "no single factor stands out"


@dataclass(frozen=True)
class FeatureLabel:
    """How a feature reads in business words.

    ``label``: the words ("customer-service calls"); ``kind``: one of :data:`KINDS`; ``no``:
    for a flag, the words when it is 0 ("no voice-mail plan", default "no " + label);
    ``currency``: the money symbol of a ``money`` feature; ``source``: a column of the scored
    rows whose value is shown instead of the feature's (a flag that is set reads "label
    value": the discount-code flag and the number in the code both read "discount code
    SAVE20", and two features that read the same are one reason); ``personal``: the feature
    describes the person (income, age, family, education: docs/governance.md), so its reason
    names the factor without its value ("household income (personal data)"): reasons are
    plain text that travels to pages, downloads and the REST service, where personal columns
    are hidden.
    """

    label: str
    kind: str = "number"
    no: str | None = None
    currency: str = ""
    source: str | None = None
    personal: bool = False

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


def _money(value: float) -> str:
    """Whole amounts without cents (1,344), others with them (84.30)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


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


def describe(
    feature: str,
    value: object,
    average: float | None,
    label: FeatureLabel,
    shown: object = None,
) -> str:
    """One feature of one row as a fact, e.g. "4 customer-service calls (2.6x the average)";
    ``shown``: the value of the label's ``source`` column for this row. A personal feature
    reads "<label> (personal data)", never its value."""
    if label.personal:
        return f"{label.label} {PERSONAL}"
    if label.source is not None:
        missing = (
            shown is None or shown is pd.NA or (isinstance(shown, float) and math.isnan(shown))
        )
        if missing or (label.kind == "flag" and _is_off(value)):
            return label.no or f"no {label.label}"
        if label.kind == "money":
            try:
                return f"{label.label} {label.currency}{_money(float(shown))}"
            except (TypeError, ValueError):
                pass
        return f"{label.label} {shown}"
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
        return f"{label.label} {label.currency}{_money(number)}{compared}"
    if label.kind == "percent":
        return f"{label.label} {number:.0%}{compared}"
    return f"{label.label} {_number(number, 2)}{compared}"


def _is_off(value: object) -> bool:
    try:
        return float(value) < 0.5
    except (TypeError, ValueError):
        return False


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


@dataclass(frozen=True)
class Wording:
    """How the reasons name the two directions, e.g. up="Raises the risk", down="Lowers it"."""

    up: str
    down: str
    #: Factors given per direction at most.
    top_up: int = TOP_REASONS
    top_down: int = 2


def row_reasons(
    names: list[str],
    contributions: np.ndarray,
    rows: pd.DataFrame,
    labels: Mapping[str, FeatureLabel],
    means: Mapping[str, float],
    top: int = TOP_REASONS,
    categorical: frozenset[str] = frozenset(),
    skip: frozenset[str] = frozenset(),
    wording: Wording | None = None,
) -> list[str]:
    """Each row's reasons in business words.

    Without ``wording``: its ``top`` features that pushed the probability up the most,
    described (largest first, ties by feature name), joined by :data:`SEPARATOR`; "no single
    factor stands out" when none pushed it up. With ``wording``: the factors on each side,
    "Raises the risk: a; b. Lowers it: c" (each side only when it has a factor). Features in
    ``skip`` are never stated; features that read the same (see :class:`FeatureLabel`
    ``source``) are one reason with their contributions summed.
    """
    label_of = {
        name: labels.get(name) or default_label(name, name in categorical)
        for name in names
        if name not in skip
    }
    # reasons: one per feature, or one per source column its features read (summed)
    groups: dict[tuple, list[int]] = {}
    for j, name in enumerate(names):
        if name in label_of:
            lab = label_of[name]
            group = ("source", lab.label, lab.source) if lab.source else ("feature", name)
            groups.setdefault(group, []).append(j)
    members = [sorted(js, key=lambda j: names[j]) for js in groups.values()]
    # ties are broken by the group's first feature name
    members.sort(key=lambda js: names[js[0]])
    contributions = np.asarray(contributions, dtype=float)
    summed = (
        np.stack([contributions[:, js].sum(axis=1) for js in members], axis=1)
        if members
        else np.zeros((len(rows), 0))
    )
    first = [names[js[0]] for js in members]
    columns = {name: rows[name].to_numpy(dtype=object) for name in first}
    source_values = {
        lab.source: rows[lab.source].to_numpy(dtype=object)
        for lab in label_of.values()
        if lab.source is not None and lab.source in rows.columns
    }
    # order of the groups per row: contribution descending (stable: ties keep name order)
    order_up = np.argsort(-summed, axis=1, kind="stable")
    order_down = np.argsort(summed, axis=1, kind="stable")

    def text(i: int, g: int) -> str:
        name = first[g]
        lab = label_of[name]
        shown = source_values[lab.source][i] if lab.source in source_values else None
        return describe(name, columns[name][i], means.get(name), lab, shown)

    up_count = wording.top_up if wording is not None else top
    down_count = wording.top_down if wording is not None else 0
    out = []
    for i in range(len(rows)):
        ups = [text(i, g) for g in order_up[i][:up_count] if summed[i, g] > 0]
        downs = [text(i, g) for g in order_down[i][:down_count] if summed[i, g] < 0]
        if wording is None:
            out.append(SEPARATOR.join(ups) if ups else NOTHING_STANDS_OUT)
            continue
        sides = []
        if ups:
            sides.append(f"{wording.up}: {SEPARATOR.join(ups)}")
        if downs:
            sides.append(f"{wording.down}: {SEPARATOR.join(downs)}")
        out.append(". ".join(sides) if sides else NOTHING_STANDS_OUT)
    return out

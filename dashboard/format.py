"""Figures in business terms: money, percent, counts and dates as people read them.

Every business table of the dashboard goes through :func:`present`: each column is declared
once (:class:`Col`: the mart column, the header people read, how to format it), so a page never
shows a snake_case header, a raw float or a missing value as ``nan`` / ``None``.
No Streamlit here, so pytest can reach it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

#: What a missing value looks like.
MISSING = "\u2014"
#: Kinds of column and how they are formatted.
KINDS = ("text", "id", "int", "money", "percent", "probability", "number", "days", "date", "bool")
SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def is_missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def integer(value: object) -> str:
    """12,345 (rounded)."""
    return MISSING if is_missing(value) else f"{round(float(value)):,}"


def number(value: object, decimals: int = 1) -> str:
    """12,345.6."""
    return MISSING if is_missing(value) else f"{float(value):,.{decimals}f}"


def money(value: object, currency: str = "", decimals: int = 0) -> str:
    """€12,345 / -€1,200; ``decimals`` for small amounts (unit prices)."""
    if is_missing(value):
        return MISSING
    amount = float(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency}{abs(amount):,.{decimals}f}"


def money_compact(value: object, currency: str = "") -> str:
    """€8.4m / €12,345 / €15.50: millions shortened, whole amounts for hundreds and up."""
    if is_missing(value):
        return MISSING
    amount = float(value)
    sign = "-" if amount < 0 else ""
    if abs(amount) >= 1_000_000:
        return f"{sign}{currency}{abs(amount) / 1_000_000:,.1f}m"
    if abs(amount) >= 100:
        return f"{sign}{currency}{abs(amount):,.0f}"
    return f"{sign}{currency}{abs(amount):,.2f}"


def percent(value: object, decimals: int = 0) -> str:
    """0.1234 -> 12% (a share or a probability)."""
    return MISSING if is_missing(value) else f"{100 * float(value):.{decimals}f}%"


def probability(value: object) -> str:
    """A probability as a whole percent; never a false certainty: "<1%" and ">99%" at the ends."""
    if is_missing(value):
        return MISSING
    p = float(value)
    if p < 0.005:
        return "<1%"
    if p > 0.995:
        return ">99%"
    return f"{100 * p:.0f}%"


def days(value: object) -> str:
    """45 days / 1 day."""
    if is_missing(value):
        return MISSING
    n = round(float(value))
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def day(value: object) -> str:
    """2024-03-05."""
    if is_missing(value):
        return MISSING
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def yes_no(value: object) -> str:
    return MISSING if is_missing(value) else ("Yes" if bool(value) else "No")


def text(value: object) -> str:
    return MISSING if is_missing(value) or str(value) == "" else str(value)


def humanize(name: str) -> str:
    """A column or feature name in words: ``customer_service_calls`` -> "Customer service
    calls" (for names a page did not label itself)."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class Col:
    """A column of a business table: the mart's column, its header and its format."""

    name: str
    label: str
    kind: str = "text"
    decimals: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; use one of {KINDS}")
        if SNAKE_CASE.match(self.label):
            raise ValueError(f"header {self.label!r} is not in words")

    def render(self, value: object, currency: str = "") -> str:
        if self.kind == "int":
            return integer(value)
        if self.kind == "money":
            return money(value, currency, self.decimals)
        if self.kind == "probability":
            return probability(value)
        if self.kind == "percent":
            return percent(value, self.decimals)
        if self.kind == "number":
            return number(value, self.decimals)
        if self.kind == "days":
            return days(value)
        if self.kind == "date":
            return day(value)
        if self.kind == "bool":
            return yes_no(value)
        return text(value)


#: Kinds that line up on the right in a table.
NUMERIC_KINDS = frozenset({"int", "money", "percent", "probability", "number", "days"})


def present(frame: pd.DataFrame, cols: list[Col], currency: str = "") -> pd.DataFrame:
    """The columns ``cols`` of ``frame`` as formatted text under their business headers."""
    out = pd.DataFrame(index=frame.index)
    for col in cols:
        out[col.label] = [col.render(v, currency) for v in frame[col.name].tolist()]
    return out.reset_index(drop=True)


def export(frame: pd.DataFrame, cols: list[Col]) -> pd.DataFrame:
    """The columns ``cols`` of ``frame`` with business headers and raw values (for a CSV a
    spreadsheet can compute with)."""
    return frame[[c.name for c in cols]].rename(columns={c.name: c.label for c in cols})

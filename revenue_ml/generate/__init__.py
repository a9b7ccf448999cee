"""Synthetic raw-data generator for the five sources, honouring ``revenue_ml.contracts``.

``generate(out_dir, scale, seed, only, as_of=None)`` writes every file at its contract path
under ``out_dir``. Each source draws from its own random stream derived from ``(seed, source)``,
so a file's bytes depend only on ``(scale, seed)``, not on which other sources are generated.

``as_of`` writes the same world as it was known on that day of the world's clock (the sales
pipeline's calendar, last day 2020-02-29; each other source keeps its dataset's years and
lays its last day on the world's, see ``common.Timeline``): rows dated later are absent and
outcomes not yet known are empty. Every random draw is made whatever the day, so a snapshot's
rows are rows of the full world, and a later snapshot holds every row of an earlier one.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import shutil
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from revenue_ml.contracts import (
    ENROLLMENTS,
    LEADS,
    MARKETING_CAMPAIGN,
    OFFERS,
    ONLINE_RETAIL,
    TELCO_CHURN,
)
from revenue_ml.generate import (
    enrollments,
    marketing_campaign,
    online_retail,
    sales_pipeline,
    telco_churn,
)
from revenue_ml.generate.common import WORLD_LAST_DAY, Timeline, day_number, iso_day
from revenue_ml.generate.enrollments import generate_enrollments
from revenue_ml.generate.marketing_campaign import generate_marketing_campaign
from revenue_ml.generate.online_retail import generate_online_retail
from revenue_ml.generate.sales_pipeline import generate_sales_pipeline
from revenue_ml.generate.telco_churn import generate_telco_churn

#: ``(out_dir, scale, seed, as_of=day number on the world's clock or None)`` -> written files.
Generator = Callable[..., dict[str, tuple[Path, int]]]

#: Source name -> (generator, {table key: contract}).
SOURCES: dict[str, tuple[Generator, dict]] = {
    "sales_pipeline": (generate_sales_pipeline, {"offers": OFFERS, "leads": LEADS}),
    "online_retail": (generate_online_retail, {"transactions": ONLINE_RETAIL}),
    "telco_churn": (generate_telco_churn, {"customers": TELCO_CHURN}),
    "marketing_campaign": (generate_marketing_campaign, {"customers": MARKETING_CAMPAIGN}),
    "enrollments": (generate_enrollments, {"enrollments": ENROLLMENTS}),
}

#: Source name -> its calendar on the world's clock (its first day there starts its history).
TIMELINES: dict[str, Timeline] = {
    "sales_pipeline": sales_pipeline.TIMELINE,
    "online_retail": online_retail.TIMELINE,
    "telco_churn": telco_churn.TIMELINE,
    "marketing_campaign": marketing_campaign.TIMELINE,
    "enrollments": enrollments.TIMELINE,
}

#: Bytes written per unit of scale, a little under those measured at scale 10 (60 MB in all), so
#: the free-space check refuses only a scale that cannot fit.
BYTES_PER_SCALE: dict[str, float] = {
    "sales_pipeline": 5.2e6,
    "online_retail": 39e6,
    "telco_churn": 0.25e6,
    "marketing_campaign": 0.2e6,
    "enrollments": 9.3e6,
}

#: Below this scale the enrollments simulation can end without a single student (and a file
#: of a few rows is no use to any model); every source works from here up.
MIN_SCALE = 0.001

#: The widest all-digit id every numeric id column holds: staging parses CustomerID and ID as
#: 32-bit integers (at most 2,147,483,647), so ids may widen to 9 digits, not 10.
MAX_NUMERIC_ID = 999_999_999

#: (source, column, largest id at a scale) for the ids that grow with the scale and are numbers.
#: Text ids (InvoiceNo, ID_ESTUDIANTE, the sales Ids) have no such limit.
NUMERIC_IDS: tuple[tuple[str, str, Callable[[float], int]], ...] = (
    ("online_retail", "CustomerID", online_retail.largest_customer_id),
    ("marketing_campaign", "ID", marketing_campaign.largest_id),
)


class ScaleError(ValueError):
    """A scale the generator cannot make. The message is one line: what, why, and the scale
    that works."""


@cache
def max_scale() -> int:
    """The largest (whole) scale at which every numeric id fits ``MAX_NUMERIC_ID``."""

    def fits(scale: float) -> bool:
        return all(largest(scale) <= MAX_NUMERIC_ID for _, _, largest in NUMERIC_IDS)

    lo, hi = 1.0, 1e12  # fits(lo), not fits(hi); the largest ids grow with the scale
    while hi - lo > 0.5:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return math.floor(lo)


class AsOfError(ValueError):
    """An as-of date the generator cannot make. The message is one line: the date, why, and the
    dates that work."""


def as_of_range(names: Iterable[str] | None = None) -> tuple[int, int]:
    """The first and last day (day numbers on the world's clock) on which every source of
    ``names`` (all when ``None``) has a history: from the latest of their first days to the
    world's last day."""
    names = list(TIMELINES) if names is None else list(names)
    return max(TIMELINES[n].world_first for n in names), WORLD_LAST_DAY


def check_as_of(as_of: str | dt.date, names: Iterable[str] | None = None) -> int:
    """The day number of ``as_of`` (``YYYY-MM-DD`` or a date) on the world's clock; raise
    ``AsOfError`` unless it lies in ``as_of_range(names)``."""
    names = list(TIMELINES) if names is None else list(names)
    first, last = as_of_range(names)
    valid = f"the valid dates are {iso_day(first)} .. {iso_day(last)}"
    if isinstance(as_of, dt.date):
        day = day_number(dt.date(as_of.year, as_of.month, as_of.day).isoformat())
    elif isinstance(as_of, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of.strip()):
        try:
            day = day_number(dt.date.fromisoformat(as_of.strip()).isoformat())
        except ValueError:
            raise AsOfError(f"as-of {as_of!r} is not a date (YYYY-MM-DD); {valid}") from None
    else:
        raise AsOfError(f"as-of {as_of!r} is not a date (YYYY-MM-DD); {valid}")
    if day > last:
        raise AsOfError(f"as-of {iso_day(day)} is after the world's last day; {valid}")
    if day < first:
        limiting = max(names, key=lambda n: TIMELINES[n].world_first)
        others = [n for n in names if n != limiting]
        hint = ""
        if others and (earlier := as_of_range(others)[0]) < first:
            hint = f" (--only without {limiting}: from {iso_day(earlier)})"
        raise AsOfError(
            f"as-of {iso_day(day)} is before {limiting}'s history starts "
            f"({iso_day(TIMELINES[limiting].first)} in its own calendar, {iso_day(first)} on the "
            f"world's clock); for {', '.join(names)} {valid}{hint}"
        )
    return day


def check_scale(scale: float, seed: int = 0) -> None:
    """Raise ``ScaleError`` unless the generator can make ``scale`` (``ValueError`` for a bad
    ``seed``)."""
    if not isinstance(scale, numbers.Real) or not math.isfinite(scale) or scale <= 0:
        raise ScaleError(
            f"scale {scale!r} is not a positive number; scale 1 is the real data's size"
        )
    if scale < MIN_SCALE:
        raise ScaleError(
            f"scale {scale:g} is too small: below {MIN_SCALE:g} a source can end up with no rows "
            f"(the enrollments simulation with no student); the smallest scale that works is "
            f"{MIN_SCALE:g}"
        )
    for source, column, largest in NUMERIC_IDS:
        if (top := largest(scale)) > MAX_NUMERIC_ID:
            raise ScaleError(
                f"scale {scale:g} is too large: {source} {column} would reach "
                f"{f'{top:,}' if top < 10**15 else f'{top:.2e}'}, beyond "
                f"{MAX_NUMERIC_ID:,} (9 digits, the widest a 32-bit integer id in staging holds); "
                f"the largest scale that works is {max_scale():,}"
            )
    if not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed {seed!r} is not a whole number >= 0")  # numpy's seeding needs it


def check_disk(out_dir: Path, scale: float, names: Iterable[str]) -> None:
    """Raise ``ScaleError`` when the files of ``names`` at ``scale`` cannot fit under ``out_dir``.

    Free space counts the files they replace. The estimate is a lower bound, so the check never
    refuses a scale that fits (at small scales it never fires).
    """
    names = list(names)
    per_scale = sum(BYTES_PER_SCALE[n] for n in names)
    need = per_scale * scale
    existing = out_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    replaced = sum(
        p.stat().st_size
        for n in names
        for c in SOURCES[n][1].values()
        if (p := out_dir / c.path).is_file()
    )
    room = shutil.disk_usage(existing).free + replaced
    if need > room:
        raise ScaleError(
            f"scale {scale:g} needs about {need / 1e9:.1f} GB under {out_dir} and only "
            f"{room / 1e9:.1f} GB is free; the largest scale that fits is "
            f"{math.floor(room / per_scale * 10) / 10:g}"
        )


def generate(
    out_dir: str | Path,
    scale: float = 1.0,
    seed: int = 42,
    only: Iterable[str] | None = None,
    report: Callable[[str], None] | None = None,
    as_of: str | dt.date | None = None,
) -> dict[str, Path]:
    """Generate the raw files and return ``{"<source>.<table>": path}``.

    Args:
        out_dir: raw-data directory; files go to their contract paths below it.
        scale: row-count multiplier (1.0 is the size of the real datasets).
        seed: base seed.
        only: subset of source names (see ``SOURCES``); all when ``None``.
        report: called with one line per written file (e.g. ``print``).
        as_of: the world as known on this day (``YYYY-MM-DD`` or a date on the world's clock,
            see the module docstring); ``None`` is the whole world (its last day, the same
            bytes). ``AsOfError`` when it lies outside ``as_of_range(only)``.
    """
    names = list(SOURCES) if only is None else list(only)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; known: {', '.join(SOURCES)}")
    check_scale(scale, seed)
    day = None if as_of is None else check_as_of(as_of, names)
    out = Path(out_dir)
    check_disk(out, scale, names)
    written: dict[str, Path] = {}
    for name in SOURCES:  # fixed order, whatever order ``only`` lists
        if name not in names:
            continue
        func, _ = SOURCES[name]
        files = func(out, scale, seed) if day is None else func(out, scale, seed, as_of=day)
        for table, (path, rows) in files.items():
            written[f"{name}.{table}"] = path
            if report is not None:
                report(f"{path}\t{rows} rows")
    return written


__all__ = [
    "MAX_NUMERIC_ID",
    "MIN_SCALE",
    "NUMERIC_IDS",
    "SOURCES",
    "TIMELINES",
    "AsOfError",
    "ScaleError",
    "as_of_range",
    "check_as_of",
    "check_scale",
    "generate",
    "max_scale",
]

"""BigML-style telecom churn: ``telco_churn/churn-bigml-80.csv`` (3,333 x scale rows).

Usage minutes have one decimal, calls are ints, and each charge is exactly minutes x rate
rounded to cents (day 0.17, eve 0.085, night 0.045, intl 0.27 per minute). ``Churn``
(``True``/``False``, ~14.6% True) follows the well-known rule structure of the real data:
heavy day usage without voice mail, >= 4 customer-service calls with low usage, and
international-plan users with long or few international calls; state and area code are noise.

The file has no dates. As of a day (``as_of``, on the world's clock), a customer whose churn
is not known yet has an empty ``Churn`` (a customer to score): each label arrives on a day
drawn by ``label_arrival`` (24 months ending on the world's last day, ``TIMELINE``), the same
in every snapshot. Every other column, the rows and their order are the same on every day, so
the warehouse's key (a digest of every column but Churn) survives a label arriving.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from revenue_ml.contracts import TELCO_CHURN
from revenue_ml.generate.common import (
    LABEL_WINDOW_FIRST_DAY,
    WORLD_LAST_DAY,
    Timeline,
    blank_where,
    decimal_str,
    label_arrival,
    scaled,
    source_rng,
    write_table,
)

SOURCE = "telco_churn"

STATES = (
    "AK",
    "AL",
    "AR",
    "AZ",
    "CA",
    "CO",
    "CT",
    "DC",
    "DE",
    "FL",
    "GA",
    "HI",
    "IA",
    "ID",
    "IL",
    "IN",
    "KS",
    "KY",
    "LA",
    "MA",
    "MD",
    "ME",
    "MI",
    "MN",
    "MO",
    "MS",
    "MT",
    "NC",
    "ND",
    "NE",
    "NH",
    "NJ",
    "NM",
    "NV",
    "NY",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VA",
    "VT",
    "WA",
    "WI",
    "WV",
    "WY",
)
AREA_CODES = np.array([408, 415, 510])
#: No dates of its own: its history is the labels' arrival window on the world's clock.
TIMELINE = Timeline(LABEL_WINDOW_FIRST_DAY, WORLD_LAST_DAY)


def _minutes(rng: np.random.Generator, n: int, mean: float, sd: float, hi: float) -> np.ndarray:
    """Minutes in tenths (int64): normal(mean, sd) clipped to [0, hi]."""
    return np.round(np.clip(rng.normal(mean, sd, size=n), 0, hi) * 10).astype(np.int64)


def _charge_cents(tenths: np.ndarray, rate_thousandths: int) -> np.ndarray:
    """Charge in cents = round(minutes x rate, 2), computed exactly in integers (half up)."""
    # minutes = tenths / 10, rate = r / 1000 -> cents = tenths * r / 100
    return (tenths * rate_thousandths + 50) // 100


def generate_telco_churn(
    out_dir: Path, scale: float = 1.0, seed: int = 42, as_of: int | None = None
) -> dict[str, tuple[Path, int]]:
    """Write the churn file under ``out_dir``; return ``{"customers": (path, rows)}``.

    ``as_of`` (a day number on the world's clock; default its last day, every label known)
    empties the labels that arrive later (see the module docstring)."""
    rng = source_rng(seed, SOURCE)
    n = scaled(3333, scale)
    state = np.array(STATES, dtype=object)[rng.integers(0, len(STATES), size=n)]
    account = np.clip(np.round(rng.normal(101, 39.8, size=n)), 1, 243).astype(np.int64)
    area = AREA_CODES[rng.choice(3, size=n, p=[0.25, 0.50, 0.25])]
    intl_plan = rng.random(n) < 0.097
    vm_plan = rng.random(n) < 0.276
    vm_msgs = np.where(vm_plan, np.clip(np.round(rng.normal(29.3, 7.6, size=n)), 4, 51), 0).astype(
        np.int64
    )

    day = _minutes(rng, n, 179.8, 54.5, 350.8)
    eve = _minutes(rng, n, 201.0, 50.7, 363.7)
    night = _minutes(rng, n, 200.9, 50.6, 395.0)
    night = np.maximum(night, 230)
    intl = _minutes(rng, n, 10.24, 2.79, 20.0)
    day_calls = np.clip(np.round(rng.normal(100.4, 20.1, size=n)), 0, 165).astype(np.int64)
    eve_calls = np.clip(np.round(rng.normal(100.1, 19.9, size=n)), 0, 170).astype(np.int64)
    night_calls = np.clip(np.round(rng.normal(100.1, 19.6, size=n)), 33, 175).astype(np.int64)
    intl_calls = np.clip(rng.poisson(4.48, size=n), 0, 20).astype(np.int64)
    cs_calls = np.minimum(rng.poisson(1.56, size=n), 9).astype(np.int64)

    dmin = day / 10.0
    total = (day + eve + night) / 10.0
    p = np.full(n, 0.018)
    p = np.where((dmin > 245) & ~vm_plan, 0.12 + 0.85 * np.clip((total - 540) / 80, 0, 1), p)
    p = np.where((cs_calls >= 4) & (dmin < 180), 0.80, p)
    p = np.where((cs_calls >= 4) & (dmin >= 180), np.maximum(p, 0.12), p)
    p = np.where(intl_plan & ((intl > 130) | (intl_calls < 3)), 0.95, p)
    p = np.where(intl_plan & (intl <= 130) & (intl_calls >= 3), np.maximum(p, 0.06), p)
    churn = rng.random(n) < p

    def fmt_min(t: np.ndarray) -> np.ndarray:
        return decimal_str(t, 1, keep_one=True)

    def fmt_charge(c: np.ndarray) -> np.ndarray:
        return decimal_str(c, 2, keep_one=True)

    label = np.where(churn, "True", "False")
    if as_of is not None:  # an empty label stays empty; a known one only if it has arrived
        label = blank_where(label, label_arrival(seed, SOURCE, n) > as_of)

    yes_no = np.array(["No", "Yes"], dtype=object)
    cols = [
        state,
        account,
        area,
        yes_no[intl_plan.astype(int)],
        yes_no[vm_plan.astype(int)],
        vm_msgs,
        fmt_min(day),
        day_calls,
        fmt_charge(_charge_cents(day, 170)),
        fmt_min(eve),
        eve_calls,
        fmt_charge(_charge_cents(eve, 85)),
        fmt_min(night),
        night_calls,
        fmt_charge(_charge_cents(night, 45)),
        fmt_min(intl),
        intl_calls,
        fmt_charge(_charge_cents(intl, 270)),
        cs_calls,
        label,
    ]
    return {"customers": write_table(out_dir, TELCO_CHURN, cols)}

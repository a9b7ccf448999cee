"""iFood-style marketing campaign: ``marketing_campaign/marketing_campaign.csv``.

Rows: 2,240 x scale.

Tab-separated, ASCII, LF; ``Dt_Customer`` is ``DD-MM-YYYY`` (2012-07-30 .. 2014-06-29); spends
(``Mnt*``, currency units over two years) grow with income and fall with children. ``Response``
(~14.9%) is driven by past campaign acceptances, spend, low recency and tenure. Quirks of the
real file are kept: Year_Birth outliers 1893/1899/1900, junk marital statuses (Alone, Absurd,
YOLO), ~1% empty Income and one Income of 666666.

As of a day (``as_of``, on the world's clock: ``TIMELINE`` lays 2014-06-29 on its last day),
customers enrolled later (``Dt_Customer``) are absent, and a customer whose response is not
known yet has an empty ``Response`` (a customer to score): each label arrives on a day drawn by
``label_arrival`` (24 months ending on the world's last day), the same in every snapshot. The
other columns and the order of the rows are the same on every day (the warehouse keys these
customers by ID).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from revenue_ml.contracts import MARKETING_CAMPAIGN
from revenue_ml.generate.common import (
    Timeline,
    blank_where,
    calibrate_intercept,
    label_arrival,
    pick,
    scaled,
    sigmoid,
    source_rng,
    write_table,
)

SOURCE = "marketing_campaign"

EDUCATION = ("Graduation", "PhD", "Master", "2n Cycle", "Basic")
EDUCATION_W = (1127, 486, 370, 203, 54)
EDUCATION_INCOME = np.array([1.0, 1.12, 1.05, 0.9, 0.4])
MARITAL = ("Married", "Together", "Single", "Divorced", "Widow")
MARITAL_W = (864, 580, 480, 232, 77)
JUNK_MARITAL = ("Alone", "Absurd", "YOLO")
BIRTH_OUTLIERS = (1900, 1893, 1899)
FIRST_DAY = np.datetime64("2012-07-30", "D")
LAST_DAY = np.datetime64("2014-06-29", "D")
FIRST_DAY_NUMBER = int(FIRST_DAY.astype(np.int64))
#: Customers enrol (Dt_Customer) from the first to the last day.
TIMELINE = Timeline(FIRST_DAY_NUMBER, int(LAST_DAY.astype(np.int64)))
# share of total spend and upper cap, per Mnt column
SPEND = (
    ("wine", 0.50, 1493),
    ("fruit", 0.045, 199),
    ("meat", 0.27, 1725),
    ("fish", 0.06, 259),
    ("sweet", 0.045, 263),
    ("gold", 0.075, 362),
)


def customer_count(scale: float) -> int:
    """Number of customers (rows) at ``scale`` (2,240 in the real file)."""
    return scaled(2240, scale, minimum=10)


def id_space(n: int) -> int:
    """``n`` distinct IDs are drawn from ``[0, id_space(n))``: 0..11191 as in the real file, 5
    ids per customer beyond that (more digits as the scale grows)."""
    return max(11192, 5 * n)


def largest_id(scale: float) -> int:
    """The largest ID the file can hold at ``scale`` (staging parses it as a 32-bit integer)."""
    return id_space(customer_count(scale)) - 1


def generate_marketing_campaign(
    out_dir: Path, scale: float = 1.0, seed: int = 42, as_of: int | None = None
) -> dict[str, tuple[Path, int]]:
    """Write the campaign file under ``out_dir``; return ``{"customers": (path, rows)}``.

    ``as_of`` (a day number on the world's clock; default its last day, every customer and
    label there) keeps the customers enrolled by then, with the labels arrived by then (see the
    module docstring)."""
    rng = source_rng(seed, SOURCE)
    n = customer_count(scale)
    ids = np.sort(rng.choice(id_space(n), size=n, replace=False))
    ids = ids[rng.permutation(n)]

    year = np.clip(np.round(rng.normal(1969, 11.7, size=n)), 1940, 1996).astype(np.int64)
    n_out = max(1, scaled(3, scale, 0))
    out_rows = rng.choice(n, size=n_out, replace=False)
    year[out_rows] = np.array(BIRTH_OUTLIERS)[np.arange(n_out) % 3]

    edu_idx = rng.choice(len(EDUCATION), size=n, p=np.array(EDUCATION_W) / sum(EDUCATION_W))
    marital = pick(rng, MARITAL, MARITAL_W, n)
    n_junk = max(1, scaled(7, scale, 0))
    junk_rows = rng.choice(np.setdiff1d(np.arange(n), out_rows), size=n_junk, replace=False)
    marital[junk_rows] = np.array(JUNK_MARITAL, dtype=object)[np.arange(n_junk) % 3]

    age = 2014 - np.clip(year, 1940, None)
    income = (
        48000
        * EDUCATION_INCOME[edu_idx]
        * np.exp(rng.normal(0, 0.42, size=n))
        * (1 + (age - 45) * 0.004)
    )
    income = np.clip(np.round(income), 1730, 162397).astype(np.int64)
    inc_z = (np.log(income) - np.log(50000)) / 0.45
    kid = rng.random(n)
    kid_p0 = sigmoid(0.3 + 1.3 * inc_z)
    kidhome = np.where(kid < kid_p0, 0, np.where(kid < kid_p0 + (1 - kid_p0) * 0.95, 1, 2))
    teen = rng.random(n)
    teen_p0 = sigmoid(-0.1 + 0.06 * (45 - age))
    teenhome = np.where(teen < teen_p0, 0, np.where(teen < teen_p0 + (1 - teen_p0) * 0.96, 1, 2))

    span = int((LAST_DAY - FIRST_DAY).astype(np.int64))
    joined_off = rng.integers(0, span + 1, size=n)
    tenure = (span - joined_off) / 365.0  # years before the last join date
    dt = (FIRST_DAY + joined_off.astype("timedelta64[D]")).astype(object)
    dt_str = np.array([f"{d.day:02d}-{d.month:02d}-{d.year}" for d in dt], dtype=object)
    recency = rng.integers(0, 100, size=n)

    wealth = (
        1.6 * inc_z - 0.9 * kidhome - 0.35 * teenhome + 0.35 * tenure + rng.normal(0, 0.45, size=n)
    )
    total = np.exp(5.6 + 0.85 * wealth)
    mnt = {}
    for name, share, cap in SPEND:
        mnt[name] = np.clip(
            np.round(total * share * np.exp(rng.normal(0, 0.6, size=n))), 0, cap
        ).astype(np.int64)
    spend = sum(mnt.values())
    sz = (np.log1p(spend) - 5.5) / 1.3

    deals = np.clip(
        rng.poisson(np.clip(1.2 + 0.9 * (kidhome + teenhome) + 0.3 * sz, 0.2, None)), 0, 15
    )
    web = np.clip(rng.poisson(np.clip(4.0 + 2.0 * sz, 0.3, None)), 0, 27)
    catalog = np.clip(rng.poisson(np.clip(2.3 + 2.4 * sz, 0.05, None)), 0, 28)
    store = np.clip(rng.poisson(np.clip(5.8 + 2.6 * sz, 0.8, None)), 0, 13)
    visits = np.clip(rng.poisson(np.clip(5.3 - 1.8 * inc_z + 0.8 * kidhome, 0.3, None)), 0, 20)

    affinity = rng.normal(0, 1, size=n)  # latent campaign-responsiveness

    def accepted(rate: float, w_spend: float) -> np.ndarray:
        lg = w_spend * sz + 1.2 * affinity
        return (rng.random(n) < sigmoid(lg + calibrate_intercept(lg, rate))).astype(np.int64)

    cmp1, cmp2, cmp3 = accepted(0.064, 1.2), accepted(0.013, 1.0), accepted(0.073, 0.0)
    cmp4, cmp5 = accepted(0.075, 0.8), accepted(0.073, 1.8)
    complain = (rng.random(n) < 0.0094).astype(np.int64)

    single = np.isin(marital, ["Single", "Divorced", "Widow", "Alone", "Absurd", "YOLO"])
    logit = (
        1.3 * (cmp1 + cmp3 + cmp5)
        + 0.8 * (cmp2 + cmp4)
        + 0.7 * sz
        - 0.04 * recency
        + 1.1 * tenure
        + 0.7 * single
        - 0.6 * teenhome
        + 0.4 * affinity
    )
    response = (rng.random(n) < sigmoid(logit + calibrate_intercept(logit, 0.149))).astype(np.int64)

    income_s = income.astype(str).astype(object)
    special = rng.choice(n, size=min(n, 1 + max(1, scaled(24, scale, 0))), replace=False)
    income_s[special[0]] = "666666"
    income_s[special[1:]] = ""

    const = np.ones(n, dtype=np.int64)
    cols = [
        ids,
        year,
        np.array(EDUCATION, dtype=object)[edu_idx],
        marital,
        income_s,
        kidhome,
        teenhome,
        dt_str,
        recency,
        mnt["wine"],
        mnt["fruit"],
        mnt["meat"],
        mnt["fish"],
        mnt["sweet"],
        mnt["gold"],
        deals,
        web,
        catalog,
        store,
        visits,
        cmp3,
        cmp4,
        cmp5,
        cmp1,
        cmp2,
        complain,
        3 * const,
        11 * const,
        response,
    ]
    # ints go as int arrays (printed by the csv writer chunk by chunk): ``astype(str)`` would make
    # 84-byte fixed-width strings of every value up front (600 MB at scale 100)
    cols = [np.asarray(c) for c in cols]
    if as_of is None:
        return {"customers": write_table(out_dir, MARKETING_CAMPAIGN, cols)}
    # an empty label stays empty; a known one only if it has arrived (1/0 print as before)
    cols[-1] = blank_where(response, label_arrival(seed, SOURCE, n) > as_of)
    enrolled = np.flatnonzero(FIRST_DAY_NUMBER + joined_off <= TIMELINE.own_day(as_of))
    return {"customers": write_table(out_dir, MARKETING_CAMPAIGN, cols, order=enrolled)}

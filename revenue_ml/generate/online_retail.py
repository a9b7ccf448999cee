"""UCI-style online retail transactions: ``online_retail/data.csv`` (541,909 x scale rows).

ISO-8859-1, CRLF, minimal quoting; ``InvoiceDate`` is ``M/D/YYYY H:MM`` from 12/1/2010 8:26 to
12/9/2011 12:50, invoices numbered from 536365 in time order. Quirks of the real file are kept:
``C`` cancellation invoices (negative quantities of items from the customer's own catalogue),
``A`` "Adjust bad debt" rows (StockCode ``B``, negative UnitPrice), zero-price stock
adjustments without customer, ~25% of rows (whole invoices) without CustomerID, empty
descriptions, ~1% exact duplicate lines, non-product stock codes, pound-sign (0xA3) and other
latin-1 characters in descriptions.

The invoice plan (one entry per invoice, ~26k x scale) is built in memory; line items are then
drawn and written chunk by chunk, so memory grows with the invoices, not the lines (0.7 GB peak
at scale 100, 54M lines). Ids: see ``customer_id_span`` and ``invoice_number``. Revenue is
Pareto-concentrated: customers differ in activity, basket size, variety, quantity multiplier
(a few wholesalers), return propensity and active window (tenure/recency).

As of a day (``as_of``, on the world's clock: ``TIMELINE`` lays 12/9/2011 on its last day),
the file holds the lines with an InvoiceDate up to the end of that day, nothing later: invoices
are numbered in time order, so a snapshot is the first lines of the full file, byte for byte.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from revenue_ml.contracts import ONLINE_RETAIL
from revenue_ml.generate.common import (
    Timeline,
    atomic_open,
    day_number,
    decimal_str,
    scaled,
    source_rng,
)

SOURCE = "online_retail"
FIRST_INVOICE = 536365
#: The real file's smallest CustomerID; ids are drawn from a range starting here.
FIRST_CUSTOMER_ID = 12346
#: The real ids have 5 digits: they stay 5-digit while the customers fit (scale <= 20).
FIVE_DIGIT_CUSTOMER_IDS = 99999 - FIRST_CUSTOMER_ID + 1
CHUNK_INVOICES = 2000
#: The invoices' first and last day (the real file's), on the world's clock by the last.
TIMELINE = Timeline(day_number("2010-12-01"), day_number("2011-12-09"))
CATALOGUE_K = 48

COUNTRIES = (
    "Germany",
    "France",
    "EIRE",
    "Spain",
    "Netherlands",
    "Belgium",
    "Switzerland",
    "Portugal",
    "Australia",
    "Norway",
    "Italy",
    "Channel Islands",
    "Finland",
    "Cyprus",
    "Sweden",
    "Unspecified",
    "Austria",
    "Denmark",
    "Japan",
    "Poland",
    "Israel",
    "USA",
    "Hong Kong",
    "Singapore",
    "Iceland",
    "Canada",
    "Greece",
    "Malta",
    "United Arab Emirates",
    "European Community",
    "RSA",
    "Lebanon",
    "Lithuania",
    "Brazil",
    "Czech Republic",
    "Bahrain",
    "Saudi Arabia",
)
COUNTRY_W = (
    95,
    87,
    3,
    31,
    9,
    25,
    21,
    19,
    9,
    10,
    15,
    9,
    12,
    8,
    8,
    4,
    11,
    9,
    8,
    6,
    4,
    4,
    2,
    1,
    1,
    4,
    4,
    2,
    2,
    1,
    1,
    1,
    1,
    1,
    1,
    2,
    1,
)
COLOURS = (
    "WHITE",
    "RED",
    "PINK",
    "BLUE",
    "GREEN",
    "IVORY",
    "BLACK",
    "CREAM",
    "SILVER",
    "GOLD",
    "PURPLE",
    "ORANGE",
    "YELLOW",
    "GREY",
    "NATURAL",
    "ANTIQUE",
    "VINTAGE",
    "RETROSPOT",
    "POLKADOT",
    "REGENCY",
    "SPACEBOY",
    "DOLLY GIRL",
    "PAISLEY",
    "SKULL",
    "STRAWBERRY",
    "WOODLAND",
    "ENGLISH ROSE",
    "JUNGLE",
    "CIRCUS PARADE",
    "LOVE BIRD",
    "HEART",
    "STAR",
)
ITEMS = (
    "T-LIGHT HOLDER",
    "LUNCH BAG",
    "CAKE CASES",
    "JUMBO BAG",
    "HOT WATER BOTTLE",
    "COAT HANGER",
    "METAL SIGN",
    "TEA TOWELS",
    "PAPER NAPKINS",
    "CHILDRENS APRON",
    "PHOTO FRAME",
    "CANDLE",
    "DOORMAT",
    "MUG",
    "CUSHION COVER",
    "BUNTING",
    "GIFT WRAP",
    "PLAYING CARDS",
    "WALL CLOCK",
    "LANTERN",
    "NOTEBOOK",
    "PENCIL CASE",
    "TRINKET BOX",
    "MONEY BANK",
    "WATER BOTTLE",
    "SHOPPER BAG",
    "PURSE",
    "MAGNETS",
    "HANGING DECORATION",
    "STORAGE TIN",
    "SNACK BOXES",
    "PARTY CUPS",
    "BAKING SET",
    "RECIPE BOX",
    "ALARM CLOCK",
    "FELTCRAFT DOLL",
    "JIGSAW",
    "CHARLOTTE BAG",
    "TISSUES",
    "WRAP",
    "GARLAND",
    "KEY RING",
    "DRAWER KNOB",
    "BIRD ORNAMENT",
)
PREFIXES = ("", "", "", "SET OF 3 ", "SET/6 ", "SMALL ", "LARGE ", "MINI ", "JUMBO ", "HANGING ")
ODD_DESCRIPTIONS = (
    "SET 3 RETROSPOT TEA,COFFEE,SUGAR",
    "KEY FOB , SHED",
    "KEY FOB , BACK DOOR",
    'RECORD FRAME 7" SINGLE SIZE',
    "FANCY FONT BIRTHDAY CARD,",
    "AIRLINE LOUNGE,METAL SIGN",
    "BIRTHDAY CARD, RETRO SPOT",
    "FEATHER PEN,HOT PINK",
    "DOORMAT AIRMAIL ",
    "BUTTON BOX ",
    "FRENCH CAFÉ METAL SIGN",
    "PAPIER MÂCHÉ BOWL",
    "CRÈME BRÛLÉE RAMEKIN",
    "NOËL GARLAND PAINTED ZINC",
)
ADJUST_DESCRIPTIONS = (
    "check",
    "damages",
    "damaged",
    "?",
    "sold as set on dotcom",
    "Damaged",
    "thrown away",
    "Unsaleable, destroyed.",
    "??",
    "wet damaged",
    "smashed",
    "missing",
    "ebay",
)
# special stock codes: code, description, price in mils (0 = drawn), quantity sign
SPECIAL = {
    "POST": ("POSTAGE", 18000),
    "D": ("Discount", 0),
    "DOT": ("DOTCOM POSTAGE", 0),
    "M": ("Manual", 0),
    "m": ("Manual", 2550),
    "S": ("SAMPLES", 0),
    "AMAZONFEE": ("AMAZON FEE", 0),
    "DCGSSBOY": ("BOYS PARTY BAG", 3290),
    "DCGSSGIRL": ("GIRLS PARTY BAG", 3290),
    "PADS": ("PADS TO MATCH ALL CUSHIONS", 1),
    "CRUK": ("CRUK Commission", 0),
}
GIFT_VALUES = (10, 20, 30, 40, 50, 100)
# invoice kinds
NORMAL, ANON, CANCEL, ADJUST, BADDEBT = 0, 1, 2, 3, 4


@dataclass
class _Products:
    code: np.ndarray  # object, shape (P,)
    desc: np.ndarray  # object, shape (P,)
    price: np.ndarray  # int64 mils
    pack: np.ndarray  # int64 typical pack quantity
    cdf: np.ndarray  # float, global popularity CDF over regular products


@dataclass
class _Customers:
    ids: np.ndarray  # int64 ids, 5-digit up to scale 20 (customer_id_span), shape (C,)
    country: np.ndarray  # object
    weight: np.ndarray  # activity weight
    basket: np.ndarray  # mean lines per invoice
    qty_mult: np.ndarray  # quantity multiplier (wholesale > 1)
    variety: np.ndarray  # mean rank drawn from the personal catalogue
    returns: np.ndarray  # cancellation propensity
    window: np.ndarray  # shape (C, 2) active window as fractions of the year
    catalogue: np.ndarray  # int32 shape (C, K) personal product indices


def _products(rng: np.random.Generator) -> _Products:
    """Build ~4,070 regular stock codes + the special codes (special ones come last)."""
    n_base = 3450
    bases = np.sort(rng.choice(np.arange(10002, 90215), size=n_base, replace=False))
    codes: list[str] = []
    for b in bases.tolist():
        r = rng.random()
        if r < 0.08:
            k = int(rng.integers(2, 6))
            suffix = "abcd" if rng.random() < 0.04 else "ABCDEFGHJKLMNPS"
            codes.extend(f"{b}{suffix[i]}" for i in range(min(k, len(suffix))))
        elif r < 0.13:
            codes.append(f"{b}{'ABCDELFGS'[int(rng.integers(0, 9))]}")
        else:
            codes.append(str(b))
    n = len(codes)
    colour = rng.integers(0, len(COLOURS), size=n)
    item = rng.integers(0, len(ITEMS), size=n)
    prefix = rng.integers(0, len(PREFIXES), size=n)
    desc = [
        f"{PREFIXES[p]}{COLOURS[c]} {ITEMS[i]}"
        for p, c, i in zip(prefix.tolist(), colour.tolist(), item.tolist(), strict=True)
    ]
    odd = rng.choice(n, size=len(ODD_DESCRIPTIONS), replace=False)
    for j, k in enumerate(odd.tolist()):
        desc[k] = ODD_DESCRIPTIONS[j]
    price_pounds = np.exp(rng.normal(0.75, 0.85, size=n))
    price = np.where(
        price_pounds < 0.3, np.round(price_pounds * 100) * 10, np.round(price_pounds * 20) * 50
    )
    price = np.clip(price, 40, 650_000).astype(np.int64)
    ends9 = (rng.random(n) < 0.3) & (price > 500)
    price[ends9] -= 10  # e.g. 3.40 -> 3.39
    packs = np.array([1, 2, 3, 4, 6, 8, 10, 12, 24])
    pack = packs[
        rng.choice(len(packs), size=n, p=[0.34, 0.12, 0.06, 0.09, 0.13, 0.03, 0.03, 0.15, 0.05])
    ]
    pack = np.where(price > 8000, 1, pack)
    pop = np.exp(rng.normal(0, 1.3, size=n))
    cdf = np.cumsum(pop) / pop.sum()
    spec_codes = list(SPECIAL)
    code = np.array(codes + spec_codes, dtype=object)
    desc_arr = np.array(desc + [SPECIAL[c][0] for c in spec_codes], dtype=object)
    price = np.concatenate([price, np.array([SPECIAL[c][1] for c in spec_codes], dtype=np.int64)])
    pack = np.concatenate([pack, np.ones(len(spec_codes), dtype=np.int64)])
    return _Products(code, desc_arr, price, pack, cdf)


def customer_count(scale: float) -> int:
    """Number of customers at ``scale`` (4,372 in the real file)."""
    return scaled(4372, scale, minimum=20)


def customer_id_span(n: int) -> int:
    """Size of the range ``FIRST_CUSTOMER_ID + [0, span)`` that ``n`` customer ids are drawn from.

    About 1.36 ids per customer (the real file: 4,372 customers in 12346..18287). Ids stay
    5-digit while ``n`` fits in the 5-digit range; beyond it (scale > 20) the range simply
    continues with 6, 7, ... digits. Staging parses CustomerID as a 32-bit integer, so
    ``revenue_ml.generate`` refuses a scale whose largest id would pass ``MAX_NUMERIC_ID``.
    """
    span = max(n, int(round(n * 1.36)))
    return min(FIVE_DIGIT_CUSTOMER_IDS, span) if n <= FIVE_DIGIT_CUSTOMER_IDS else span


def largest_customer_id(scale: float) -> int:
    """The largest CustomerID the file can hold at ``scale``."""
    return FIRST_CUSTOMER_ID + customer_id_span(customer_count(scale)) - 1


def customer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct CustomerIDs in random order: the first id of the range and ``n - 1`` others
    drawn from it (int64)."""
    span = customer_id_span(n)
    ids = np.sort(
        FIRST_CUSTOMER_ID
        + np.concatenate([[0], 1 + rng.choice(span - 1, size=n - 1, replace=False)])
    )
    return ids[rng.permutation(n)]


def invoice_number(i: np.ndarray | int) -> np.ndarray | int:
    """InvoiceNo (without its C/A prefix) of the ``i``-th invoice in time order.

    The real numbers run from 536365 (6 digits); they count up by one, so they pass 999999 and
    take a 7th digit after ~463,600 invoices (scale ~18). Staging reads InvoiceNo as text, so
    any width is accepted.
    """
    return FIRST_INVOICE + i


def _customers(rng: np.random.Generator, n: int, prod: _Products) -> _Customers:
    """Customer population with heterogeneous behaviour (see module docstring)."""
    ids = customer_ids(rng, n)
    uk = rng.random(n) < 0.905
    country = np.empty(n, dtype=object)
    country[uk] = "United Kingdom"
    w = np.array(COUNTRY_W, dtype=float)
    foreign = np.array(COUNTRIES, dtype=object)[
        rng.choice(len(COUNTRIES), size=int((~uk).sum()), p=w / w.sum())
    ]
    k = min(len(COUNTRIES), len(foreign))
    foreign[:k] = np.array(COUNTRIES, dtype=object)[rng.permutation(len(COUNTRIES))[:k]]
    country[~uk] = foreign
    weight = np.exp(rng.normal(0, 1.15, size=n))
    basket = np.clip(np.exp(rng.normal(2.75, 0.7, size=n)), 1, 300)
    basket[~uk] *= 1.3
    qty_mult = np.exp(rng.normal(0.3, 0.55, size=n))
    whole = rng.random(n) < 0.01
    qty_mult[whole] *= np.exp(rng.normal(2.3, 0.6, size=int(whole.sum())))
    weight[whole] *= 3
    variety = np.clip(np.exp(rng.normal(2.2, 0.8, size=n)), 1.5, CATALOGUE_K)
    returns = np.exp(rng.normal(0, 1.0, size=n)) * (rng.random(n) < 0.5)
    start = np.where(rng.random(n) < 0.55, 0.0, rng.random(n) * 0.95)
    end = np.where(rng.random(n) < 0.65, 1.0, start + (1 - start) * rng.random(n))
    end = np.maximum(end, start + 0.02)
    n_reg = len(prod.cdf)
    catalogue = np.searchsorted(prod.cdf, rng.random((n, CATALOGUE_K)), side="right").astype(
        np.int32
    )
    catalogue = np.minimum(catalogue, n_reg - 1)
    return _Customers(
        ids,
        country,
        weight,
        basket,
        qty_mult,
        variety,
        returns,
        np.stack([start, np.minimum(end, 1.0)], axis=1),
        catalogue,
    )


def _calendar(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Trading-time CDF: (minute stamps of 10-minute slots, cumulative weight), time-ordered."""
    days = np.arange(np.datetime64("2010-12-01"), np.datetime64("2011-12-10"))
    weekday = (days.astype(np.int64) + 3) % 7  # 0 = Monday
    closed = (weekday == 5) | (
        (days >= np.datetime64("2010-12-23")) & (days <= np.datetime64("2011-01-03"))
    )
    days = days[~closed]
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    month_w = np.array([0, 0.8, 0.75, 0.95, 0.8, 1.0, 0.95, 0.95, 1.0, 1.35, 1.5, 1.95, 1.6])[month]
    day_w = month_w * np.exp(rng.normal(0, 0.2, size=len(days)))
    slots = np.arange(7 * 60 + 30, 20 * 60, 10)
    hour = slots / 60.0
    slot_w = np.exp(-0.5 * ((hour - 12.8) / 2.3) ** 2)
    stamp = (days.astype("datetime64[m]").astype(np.int64)[:, None] + slots[None, :]).ravel()
    w = (day_w[:, None] * slot_w[None, :]).ravel()
    return stamp, np.cumsum(w) / w.sum()


def _to_minutes(
    u: np.ndarray, stamp: np.ndarray, cdf: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Map fractions of the trading year in [0, 1] to minute stamps (int64)."""
    idx = np.minimum(np.searchsorted(cdf, u, side="right"), len(stamp) - 1)
    return stamp[idx] + rng.integers(0, 10, size=len(u))


def _sizes(rng: np.random.Generator, means: np.ndarray, budget: int) -> np.ndarray:
    """Lines per invoice (>= 1) from per-invoice means, trimmed so they sum to ``budget``."""
    sizes = np.maximum(1, np.round(means * np.exp(rng.normal(0, 0.5, size=len(means))))).astype(
        np.int64
    )
    total = np.cumsum(sizes)
    k = int(np.searchsorted(total, budget)) + 1
    if k > len(sizes):
        raise RuntimeError("invoice plan too small for the row budget")
    sizes = sizes[:k]
    sizes[-1] -= int(total[k - 1]) - budget
    return sizes[sizes > 0]


def _plan(
    rng: np.random.Generator, n_rows: int, cust: _Customers, stamp: np.ndarray, cdf: np.ndarray
) -> dict[str, np.ndarray]:
    """Invoice-level plan sorted by time: kind, customer (-1 none), minute stamp, size, extras."""
    n_cust = len(cust.ids)
    r_cancel = min(scaled(9288, n_rows / 541909), n_rows // 10)
    r_adjust = min(scaled(2400, n_rows / 541909), n_rows // 10)
    n_bad = max(1, scaled(2, n_rows / 541909, 0))
    r_anon = int(round(0.236 * n_rows))
    r_normal = n_rows - r_cancel - r_adjust - n_bad - r_anon

    # normal invoices: every customer once, the rest by activity weight
    p = cust.weight / cust.weight.sum()
    extra = rng.choice(n_cust, size=max(int(r_normal / 15), n_cust) * 2, p=p)
    nc = np.concatenate([rng.permutation(n_cust), extra])
    sizes_n = _sizes(rng, cust.basket[nc], r_normal)
    nc = nc[: len(sizes_n)]
    w = cust.window[nc]
    u_n = w[:, 0] + rng.random(len(nc)) * (w[:, 1] - w[:, 0])
    t_n = _to_minutes(u_n, stamp, cdf, rng)

    sizes_a = (
        _sizes(rng, np.full(max(10, r_anon // 8), 45.0), r_anon)
        if r_anon
        else np.zeros(0, np.int64)
    )
    t_a = _to_minutes(rng.random(len(sizes_a)), stamp, cdf, rng)

    # cancellations follow one of the customer's own invoices by a few days
    prop = cust.returns[nc] + 0.05
    src = rng.choice(len(nc), size=max(1, r_cancel), p=prop / prop.sum())
    sizes_c = _sizes(rng, np.full(len(src), 1.9), r_cancel) if r_cancel else np.zeros(0, np.int64)
    src = src[: len(sizes_c)]
    c_cust = nc[src].copy()
    c_cust[rng.random(len(src)) < 0.04] = -1
    t_c = np.minimum(
        t_n[src] + (rng.exponential(3.0, size=len(src)) * 1440).astype(np.int64) + 1, stamp[-1]
    )

    t_adj = _to_minutes(rng.random(r_adjust), stamp, cdf, rng)
    t_bad = _to_minutes(np.sort(0.6 + 0.05 * rng.random(n_bad)), stamp, cdf, rng)

    kind = np.concatenate(
        [
            np.full(len(nc), NORMAL),
            np.full(len(sizes_a), ANON),
            np.full(len(sizes_c), CANCEL),
            np.full(r_adjust, ADJUST),
            np.full(n_bad, BADDEBT),
        ]
    )
    customer = np.concatenate(
        [nc, np.full(len(sizes_a), -1), c_cust, np.full(r_adjust + n_bad, -1)]
    )
    minute = np.concatenate([t_n, t_a, t_c, t_adj, t_bad])
    size = np.concatenate([sizes_n, sizes_a, sizes_c, np.ones(r_adjust + n_bad, dtype=np.int64)])
    order = np.argsort(minute, kind="stable")
    kind, customer, minute, size = kind[order], customer[order], minute[order], size[order]
    minute[0] = np.datetime64("2010-12-01T08:26").astype("datetime64[m]").astype(np.int64)
    minute[-1] = np.datetime64("2011-12-09T12:50").astype("datetime64[m]").astype(np.int64)
    minute = np.clip(np.maximum.accumulate(minute), None, minute[-1])
    anon_country = np.where(
        rng.random(len(kind)) < 0.97,
        "United Kingdom",
        np.array(["EIRE", "Hong Kong", "Unspecified", "Israel", "France"], dtype=object)[
            rng.integers(0, 5, size=len(kind))
        ],
    )
    country = np.where(customer >= 0, cust.country[np.maximum(customer, 0)], anon_country).astype(
        object
    )
    # one gift-voucher line (pound sign) per ~15k rows, at least one; on anonymous invoices when any
    n_gift = max(1, scaled(35, n_rows / 541909, 0))
    cand = np.flatnonzero(kind == ANON)
    if len(cand) == 0:
        cand = np.flatnonzero(kind == NORMAL)
    gift = np.zeros(len(kind), dtype=np.int64)
    gift[rng.choice(cand, size=min(n_gift, len(cand)), replace=False)] = 1
    return {
        "kind": kind,
        "customer": customer,
        "minute": minute,
        "size": size,
        "country": country,
        "gift": gift,
    }


def _fmt_dates(minute: np.ndarray) -> np.ndarray:
    """``M/D/YYYY H:MM`` strings for minute stamps (object array)."""
    d = minute.astype("datetime64[m]")
    day = d.astype("datetime64[D]")
    mon = d.astype("datetime64[M]")
    y = mon.astype(np.int64) // 12 + 1970
    m = mon.astype(np.int64) % 12 + 1
    dd = (day - mon.astype("datetime64[D]")).astype(np.int64) + 1
    hm = minute - day.astype("datetime64[m]").astype(np.int64)
    return np.array(
        [
            f"{a}/{b}/{c} {h // 60}:{h % 60:02d}"
            for a, b, c, h in zip(m.tolist(), dd.tolist(), y.tolist(), hm.tolist(), strict=True)
        ],
        dtype=object,
    )


def _chunk_lines(
    rng: np.random.Generator,
    plan: dict[str, np.ndarray],
    lo: int,
    hi: int,
    first_no: int,
    prod: _Products,
    cust: _Customers,
) -> list[np.ndarray]:
    """Draw and format the line items of invoices ``lo:hi``; returns the 8 string columns."""
    kind = plan["kind"][lo:hi]
    size = plan["size"][lo:hi]
    inv = np.repeat(np.arange(lo, hi), size)
    k = plan["kind"][inv]
    c = plan["customer"][inv]
    has_c = c >= 0
    cc = np.maximum(c, 0)
    n = len(inv)
    n_reg = len(prod.cdf)
    spec = {code: n_reg + i for i, code in enumerate(SPECIAL)}
    start = np.repeat(np.cumsum(size) - size, size)
    pos = np.arange(n) - start  # position of the line inside its invoice

    # product: personal catalogue (favourites first) or global popularity
    offset = rng.geometric(1.0 / cust.variety[plan["customer"][lo:hi].clip(0)]) - 1
    rank = (offset[inv - lo] + pos) % CATALOGUE_K
    personal = has_c & ((rng.random(n) < 0.75) | (k == CANCEL))
    pidx = np.where(
        personal,
        cust.catalogue[cc, rank],
        np.minimum(np.searchsorted(prod.cdf, rng.random(n), side="right"), n_reg - 1),
    )
    for _ in range(4):  # avoid the same product twice in an invoice (keeps duplicates deliberate)
        key = inv.astype(np.int64) * (n_reg + 1) + pidx
        order = np.argsort(key, kind="stable")
        again = np.zeros(n, dtype=bool)
        again[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not again.any():
            break
        pidx[again] = np.minimum(
            np.searchsorted(prod.cdf, rng.random(int(again.sum())), side="right"), n_reg - 1
        )
    price = prod.price[pidx].copy()
    mult = np.where(has_c, cust.qty_mult[cc], 0.6)
    qty = np.maximum(
        1, np.round(prod.pack[pidx] * mult * np.exp(rng.normal(0, 0.45, size=n)))
    ).astype(np.int64)
    qty = np.where((prod.pack[pidx] == 1) & (rng.random(n) < 0.35), 1, qty)
    price = np.where(k == ANON, np.round(price * 1.65 / 10) * 10, price)
    price = np.where(qty >= 100, np.round(price * 0.85 / 10) * 10, price).astype(np.int64)

    # special codes
    first = pos == 0
    non_uk = plan["country"][inv] != "United Kingdom"
    post = first & (k == NORMAL) & non_uk & (rng.random(n) < 0.55)
    pidx[post] = spec["POST"]
    price[post] = rng.choice([18000, 15000, 40000, 28000, 50000], size=int(post.sum()))
    qty[post] = rng.integers(1, 4, size=int(post.sum()))
    last = pos == size[inv - lo] - 1
    dot = last & (k == ANON) & (rng.random(n) < 0.22)
    pidx[dot] = spec["DOT"]
    price[dot] = np.round(np.exp(rng.normal(5.0, 1.0, size=int(dot.sum()))) * 100) * 10
    qty[dot] = 1
    r = rng.random(n)
    codes_by_kind = (
        ("M", (k == NORMAL) & (r < 0.0006)),
        ("m", (k == NORMAL) & (r > 0.999998)),
        ("PADS", (k == NORMAL) & (r > 0.0006) & (r < 0.000608)),
        ("DCGSSBOY", (k == ANON) & (r > 0.9997)),
        ("DCGSSGIRL", (k == ANON) & (r > 0.9994) & (r <= 0.9997)),
        ("D", (k == CANCEL) & (r < 0.008)),
        ("M", (k == CANCEL) & (r >= 0.008) & (r < 0.025)),
        ("S", (k == CANCEL) & (r >= 0.025) & (r < 0.032)),
        ("AMAZONFEE", (k == CANCEL) & (r >= 0.032) & (r < 0.036)),
        ("CRUK", (k == CANCEL) & (r >= 0.036) & (r < 0.0377)),
    )
    for code, mask in codes_by_kind:
        if mask.any():
            pidx[mask] = spec[code]
            if prod.price[spec[code]] == 0:
                price[mask] = np.round(np.exp(rng.normal(3.5, 1.4, size=int(mask.sum()))) * 10) * 10
                if code == "AMAZONFEE":
                    price[mask] *= 40
            else:
                price[mask] = prod.price[spec[code]]
            qty[mask] = 1
    desc = prod.desc[pidx].copy()
    code = prod.code[pidx].copy()

    # gift vouchers (pound sign), free items, cancellations, adjustments, bad debt
    gift = first & (plan["gift"][inv] == 1)
    if gift.any():
        val = np.array(GIFT_VALUES)[rng.integers(0, len(GIFT_VALUES), size=int(gift.sum()))]
        code[gift] = [f"gift_0001_{v}" for v in val.tolist()]
        desc[gift] = [f"Dotcomgiftshop Gift Voucher \u00a3{v}.00" for v in val.tolist()]
        price[gift] = np.round(val * 1000 / 1.2 / 10) * 10
        qty[gift] = 1
    free = (k == NORMAL) & (rng.random(n) < 0.0002)
    price[free] = 0
    qty = np.where(k == CANCEL, -qty, qty)
    adj = k == ADJUST
    if adj.any():
        m = int(adj.sum())
        neg = rng.random(m) < 0.56
        aq = np.minimum(rng.geometric(1 / 25, size=m), 9600)
        qty[adj] = np.where(neg, -aq, aq)
        price[adj] = 0
        empty = rng.random(m) < 0.6
        junk = np.array(ADJUST_DESCRIPTIONS, dtype=object)[
            rng.integers(0, len(ADJUST_DESCRIPTIONS), size=m)
        ]
        desc[adj] = np.where(empty, "", junk)
    bad = k == BADDEBT
    if bad.any():
        code[bad] = "B"
        desc[bad] = "Adjust bad debt"
        qty[bad] = 1
        price[bad] = -np.round(np.exp(rng.normal(9.0, 0.5, size=int(bad.sum()))) * 100) * 10

    # exact duplicate lines: copy the previous line of the same invoice
    dup = (pos > 0) & (rng.random(n) < 0.0098) & (k != ADJUST)
    src = np.flatnonzero(dup) - 1
    # resolve chains so every duplicate copies a non-duplicate line
    while dup[src].any():
        src = np.where(dup[src], src - 1, src)
    for arr in (code, desc, qty, price):
        arr[dup] = arr[src]

    prefix = np.array(["", "", "C", "", "A"], dtype=object)[kind]
    inv_no = np.array(
        [
            f"{p}{invoice_number(i)}"
            for p, i in zip(prefix.tolist(), range(first_no, first_no + hi - lo), strict=True)
        ],
        dtype=object,
    )
    dates = _fmt_dates(plan["minute"][lo:hi])
    cust_str = np.where(has_c, cust.ids[cc].astype(str), "").astype(object)
    return [
        inv_no[inv - lo],
        code,
        desc,
        qty.astype(str),
        dates[inv - lo],
        decimal_str(price, 3),
        cust_str,
        plan["country"][inv],
    ]


def generate_online_retail(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    chunk_invoices: int = CHUNK_INVOICES,
    as_of: int | None = None,
) -> dict[str, tuple[Path, int]]:
    """Write the transactions file under ``out_dir``; return ``{"transactions": (path, rows)}``.

    Line items are drawn and written ``chunk_invoices`` invoices at a time (~21 lines each), so
    peak memory is set by the chunk size, not the scale. The chunk size changes the order of
    random draws: files are byte-reproducible for a given chunk size (the CLI uses the default).
    ``as_of`` (a day number on the world's clock; default its last day) stops after the last
    invoice of that day (see the module docstring): the lines written are drawn as in the full
    file, and the chunk holding the cut is drawn whole, then trimmed.
    """
    rng = source_rng(seed, SOURCE)
    n_rows = scaled(541909, scale, minimum=500)
    prod = _products(rng)
    cust = _customers(rng, customer_count(scale), prod)
    stamp, cdf = _calendar(rng)
    plan = _plan(rng, n_rows, cust, stamp, cdf)
    path = Path(out_dir) / ONLINE_RETAIL.path
    written = 0
    n_inv = len(plan["kind"])
    if as_of is not None:  # invoices before the next day's first minute (minutes are sorted)
        next_day = (TIMELINE.own_day(as_of) + 1) * 1440
        n_inv = int(np.searchsorted(plan["minute"], next_day, side="left"))
    with atomic_open(path, ONLINE_RETAIL.encoding) as fh:
        w = csv.writer(
            fh, delimiter=ONLINE_RETAIL.delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
        )
        w.writerow(ONLINE_RETAIL.columns)
        for lo in range(0, n_inv, chunk_invoices):
            hi = min(lo + chunk_invoices, len(plan["kind"]))
            cols = _chunk_lines(rng, plan, lo, hi, lo, prod, cust)
            if hi > n_inv:  # the as-of day ends inside this chunk: its invoices' lines only
                keep = int(plan["size"][lo:n_inv].sum())
                cols = [c[:keep] for c in cols]
            w.writerows(zip(*(c.tolist() for c in cols), strict=True))
            written += len(cols[0])
    return {"transactions": (path, written)}

"""Shimoku-style sales pipeline: ``shimoku/offers.csv`` and ``shimoku/leads.csv``.

Offers (~6,130 x scale rows) carry the target ``Status``; closed offers are won with a
probability driven by the discount-code flag, deal duration (close - created, days), use case,
price and pain, plus a weak effect of the linked lead's source. Leads (~61,639 x scale rows)
cover ~76% of the distinct non-empty offer Ids so an inner join on ``Id`` has ~3,800 x scale rows.
Dates are ISO ``YYYY-MM-DD``; files are ASCII, comma-separated, LF.

As of a day (``as_of``, a day on the world's clock, which is this source's calendar): offers
and leads created later are absent; an offer closed later is still open that day (an open
stage, empty Close Date and Loss Reason); a lead whose first offer is created later has not
converted yet (``Converted`` 0, Status ``Qualified``). A few linked leads are dated after the
world's last day (created a few weeks after their offer); they appear on the last day only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from revenue_ml.contracts import LEADS, OFFERS
from revenue_ml.generate.common import (
    Timeline,
    blank_where,
    calibrate_intercept,
    iso_dates,
    pick,
    random_ids,
    scaled,
    sigmoid,
    source_rng,
    write_table,
)

SOURCE = "sales_pipeline"

USE_CASES = (
    "Corporate Events",
    "Educational Seminars",
    "Sports Events",
    "Wedding Planning",
    "Concerts and festivals",
)
USE_CASE_W = (3487, 1339, 1025, 240, 2)
USE_CASE_LOGIT = np.array([0.6, -0.7, 0.0, 1.0, -1.0])
OPEN_STATUSES = ("Demo 1", "Negotiation", "Checkbox", "Demo 2")
OPEN_W = (209, 146, 144, 26)
PAINS = ("operations", "financial control", "quality of delivery", "time saving")
PAIN_W = (3315, 1197, 677, 72)
PAIN_LOGIT = np.array([0.0, 0.35, -0.45, 0.5])
LOSS_REASONS = (
    "no response",
    "lost to competitor",
    "price",
    "not target",
    "no product fit",
    "no budget",
    "other",
    "no decision",
)
LOSS_W = (805, 604, 294, 265, 203, 173, 16, 4)
DISCOUNT_CODES = (
    "2SEMESTERS20OFF",
    "MONTHSAVE25DEAL",
    "MONTH50REBATE",
    "HALFYEAR20G",
    "SAVE25LESS",
    "YEARLY30PROMO",
    "DISCOUNT50POWER",
    "ANNUAL30BONUS",
    "SAVEMONTH50G",
    "10OFFREDUCED",
    "2SEMESTERS20SALE",
    "YEARLY60",
    "25GIFT",
    "NOCOSTREG",
    "ANNUAL60DEAL",
    "DISCOUNT25QUICK",
    "MONTH50CUTBACK",
    "HALFSEASON20G",
    "ECONOMY75DISCOUNT",
    "ECONOMY50GIFT",
    "MONTH75SPECIAL",
    "QUARTERLY75OFF",
    "SLASH10",
    "SAVEMONTH50SPECIAL",
    "SEMESTER20DEALAGAIN",
    "SAVEMORE50",
    "CUTBACK75SPECIAL",
    "RENEW30YEARLY",
    "TRIALFREE",
    "PROMOTIONCODE",
    "BIANNUAL20",
    "FLAT30",
)
DISCOUNT_W = (
    553,
    335,
    293,
    272,
    264,
    203,
    156,
    151,
    143,
    143,
    135,
    128,
    127,
    116,
    104,
    93,
    87,
    73,
    68,
    68,
    68,
    66,
    59,
    54,
    50,
    48,
    42,
    39,
    33,
    33,
    25,
    19,
)
PRICE_TIERS = np.array([120, 150, 240, 300, 360, 480, 600, 768, 960, 1344, 1920, 2688])
PRICE_TIER_W = np.array([8, 9, 14, 12, 14, 6, 4, 10, 6, 7, 2, 1.5])

FIRST_NAMES = (
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Paul",
    "Emily",
    "Steven",
    "Maria",
    "Andrew",
    "Laura",
    "Kevin",
    "Anna",
    "Brian",
    "Julia",
)
LEAD_SOURCES = ("Inbound", "Outbound")
LEAD_SOURCE_W = (24347, 19597)
LEAD_STATUSES = (
    "Discarded",
    "Nurturing",
    "Converted",
    "Qualified",
    "New",
    "Contacted",
    "Attempted to Contact",
    "Unqualified",
    "Meeting Scheduled",
    "Working",
    "On Hold",
    "Closed",
)
UNLINKED_STATUS_W = (45, 20, 0, 3, 8, 6, 5, 5, 2, 3, 2, 1)
REASONS = (
    "Not Target",
    "Unreachable",
    "Not the right moment",
    "Not feeling",
    "Not Fit",
    "Competitor",
    "Wrong Data",
    "No show",
    "Black list",
    "Duplicate/Test",
    "Already Customer",
)
REASON_W = (10262, 6320, 6304, 3253, 2787, 2483, 2281, 273, 138, 69, 59)
CAMPAIGNS = (
    "VirtualMeetups",
    "Follow-up: digital guide 2",
    "ArtFair",
    "Follow-up: digital guide",
    "EducationExpo 2",
    "Corporate Connect",
    "TradeShow 6",
    "Digital kit",
    "TradeShow",
    "TradeShow 7",
    "Digital kit 2",
    "FestivalFever",
    "TradeShow 5",
    "Branding book",
    "TradeShow 8",
    "EducationExpo",
    "Stu Campaign",
    "Digital kit 4",
    "Event Management Guide",
    "TradeShow 3",
    "EducationExpo 3",
    "FB Campaign",
    "TechEvent",
    "CommunityOutreach",
    "recommendation",
)
CAMPAIGN_W = (
    5704,
    1729,
    1159,
    1062,
    905,
    893,
    843,
    761,
    621,
    517,
    499,
    467,
    448,
    288,
    268,
    219,
    197,
    159,
    121,
    117,
    106,
    79,
    74,
    57,
    51,
)
CITIES = (
    "Chicago",
    "San Francisco",
    "San Diego",
    "Jacksonville",
    "Washington",
    "San Jose",
    "New York",
    "Seattle",
    "San Antonio",
    "Indianapolis",
    "Columbus",
    "Phoenix",
    "Dallas",
    "Charlotte",
    "Denver",
    "Los Angeles",
    "Austin",
    "Philadelphia",
    "Houston",
    "Fort Worth",
)
CITY_W = (
    7072,
    4601,
    2774,
    2005,
    1417,
    1176,
    1015,
    986,
    968,
    936,
    878,
    817,
    786,
    785,
    781,
    713,
    690,
    635,
    627,
    502,
)

START_DAY = int(np.datetime64("2018-01-01", "D").astype(np.int64))
END_DAY = int(np.datetime64("2020-02-29", "D").astype(np.int64))
EARLY_DAY = int(np.datetime64("2013-03-01", "D").astype(np.int64))
#: Offers are created from START_DAY; the world's clock is this calendar (END_DAY is its last day).
TIMELINE = Timeline(START_DAY, END_DAY)
#: A linked lead's status before its first offer is created (it converts on that day).
BEFORE_CONVERSION_STATUS = "Qualified"


def _created_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Created dates as day numbers, denser in 2019 than 2018 (int64, shape ``(n,)``)."""
    span = END_DAY - START_DAY
    return START_DAY + (rng.beta(1.7, 1.1, size=n) * span).astype(np.int64)


def _durations(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Durations in days (close - created) and bucket (0 neg, 1 zero, 2 short, 3 mid, 4 long)."""
    bucket = rng.choice(5, size=n, p=[0.095, 0.45, 0.24, 0.10, 0.115])
    dur = np.zeros(n, dtype=np.int64)
    neg = bucket == 0
    dur[neg] = -np.minimum(1 + rng.geometric(1 / 45, size=neg.sum()), 600)
    m = bucket == 2
    dur[m] = rng.integers(1, 8, size=m.sum())
    m = bucket == 3
    dur[m] = rng.integers(8, 31, size=m.sum())
    m = bucket == 4
    dur[m] = np.minimum(31 + rng.geometric(1 / 70, size=m.sum()), 600)
    return dur, bucket


def _prices(rng: np.random.Generator, n: int) -> np.ndarray:
    """Integer prices: list-price tiers, ~4.7% zero, a long tail up to ~400k (int64)."""
    price = PRICE_TIERS[rng.choice(len(PRICE_TIERS), size=n, p=PRICE_TIER_W / PRICE_TIER_W.sum())]
    price = price.astype(np.int64)
    kind = rng.random(n)
    price[kind < 0.047] = 0
    tail = kind > 0.97
    price[tail] = (
        np.minimum(np.exp(rng.normal(8.3, 1.7, size=tail.sum())), 399_304).astype(np.int64) + 2000
    )
    return price


def generate_sales_pipeline(
    out_dir: Path, scale: float = 1.0, seed: int = 42, as_of: int | None = None
) -> dict[str, tuple[Path, int]]:
    """Write offers and leads under ``out_dir``; return ``{"offers"|"leads": (path, rows)}``.

    ``as_of`` (a day number on the world's clock, checked by ``revenue_ml.generate``; default
    the world's last day 2020-02-29): the files as known that day (see the module docstring).
    Every draw is made whatever the day, so a snapshot's rows are the full world's rows."""
    rng = source_rng(seed, SOURCE)
    n_off = scaled(6130, scale)
    n_leads = scaled(61639, scale)
    n_lead_noid = scaled(17700, scale)

    # ---- offer ids: ~19% empty, ~0.77% of the non-empty ids appear twice.
    has_id = rng.random(n_off) >= 0.19
    n_ne = int(has_id.sum())
    n_dup = min(max(1, scaled(38, scale, 0)), max(n_ne // 2, 0))
    n_unique = n_ne - n_dup
    uniq_ids = random_ids(rng, n_unique + n_leads)
    offer_uniq, spare_ids = uniq_ids[:n_unique], uniq_ids[n_unique:]
    ne_ids = np.concatenate([offer_uniq, rng.choice(offer_uniq, size=n_dup, replace=False)])
    ne_ids = ne_ids[rng.permutation(n_ne)]
    off_id = np.full(n_off, "", dtype=object)
    off_id[has_id] = ne_ids

    # ---- which unique ids have a lead, and that lead's attributes (needed for the weak signal).
    covered = rng.random(n_unique) < 0.765
    lead_of = {s: i for i, s in enumerate(offer_uniq[covered].tolist())}
    n_linked = len(lead_of)
    linked_source = pick(rng, LEAD_SOURCES, LEAD_SOURCE_W, n_linked)
    inbound = np.zeros(n_off)
    for k, s in enumerate(off_id.tolist()):
        j = lead_of.get(s)
        if j is not None and linked_source[j] == "Inbound":
            inbound[k] = 1.0

    # ---- offer features.
    uc_idx = rng.choice(len(USE_CASES), size=n_off, p=np.array(USE_CASE_W) / sum(USE_CASE_W))
    uc_empty = rng.random(n_off) < 0.006
    created = _created_days(rng, n_off)
    dur, bucket = _durations(rng, n_off)
    price = _prices(rng, n_off)
    price_empty = rng.random(n_off) < 0.06
    has_disc = rng.random(n_off) >= 0.277
    pain_idx = rng.choice(len(PAINS), size=n_off, p=np.array(PAIN_W) / sum(PAIN_W))
    pain_empty = rng.random(n_off) < 0.142

    # ---- outcome: every offer's true outcome and close date; the as-of date decides what the
    # file shows. A share of offers are "zombies" that never close (left open in the CRM, as in
    # the real file: most of its open offers are over a year old); the others close won or lost
    # on created + duration. An offer whose close lies after the as-of date is still open then:
    # an open stage, empty close fields (offers in progress, mostly young).
    zombie = rng.random(n_off) < 0.06
    dur_logit = np.array([-1.0, 1.4, 0.4, -1.1, -2.2])[bucket]
    logit = (
        3.2 * has_disc
        + dur_logit
        + np.where(uc_empty, 0.0, USE_CASE_LOGIT[uc_idx])
        - 0.55 * np.clip(np.log((price + 50) / 410.0), -2, 3) * ~price_empty
        + np.where(pain_empty, -0.2, PAIN_LOGIT[pain_idx])
        + 0.2 * inbound
        + rng.normal(0, 0.3, size=n_off)
    )
    b = calibrate_intercept(logit[~zombie], 3247 / 5605)
    won = rng.random(n_off) < sigmoid(logit + b)
    stage = pick(rng, OPEN_STATUSES, OPEN_W, n_off)

    close = created + dur
    # a zombie's Close Date is the expected close someone typed in (filled in the real file)
    close[zombie] = created[zombie] + rng.integers(20, 200, size=int(zombie.sum()))
    n_early = min(n_off, max(1, scaled(2, scale, 0)))
    early = rng.choice(n_off, size=n_early, replace=False)
    close[early] = EARLY_DAY + rng.integers(0, 300, size=n_early)
    loss_drawn = pick(rng, LOSS_REASONS, LOSS_W, n_off)
    stray = rng.random(n_off) < 0.002

    as_of_day = END_DAY if as_of is None else int(as_of)
    # closed by the as-of date: a close on or before it (clipped to the creation day: some close
    # dates precede it, and a few are typos years before)
    closed = ~zombie & (np.maximum(close, created) <= as_of_day)
    status = np.where(won, "Closed Won", "Closed Lost").astype(object)
    status[~closed] = stage[~closed]
    close_text = iso_dates(close)
    close_text[~closed & ~zombie] = ""
    close_text[zombie & (close > as_of_day)] = ""

    lost = status == "Closed Lost"
    loss = np.full(n_off, "", dtype=object)
    loss[lost] = loss_drawn[lost]
    stray &= status == "Closed Won"
    loss[stray] = loss_drawn[stray]
    # the file as known on the as-of date: offers created later do not exist yet
    exists = created <= as_of_day

    offers_cols = [
        off_id,
        blank_where(np.array(USE_CASES, dtype=object)[uc_idx], uc_empty),
        status,
        iso_dates(created),
        close_text,
        blank_where(price.astype(str).astype(object), price_empty),
        blank_where(pick(rng, DISCOUNT_CODES, DISCOUNT_W, n_off), ~has_disc),
        blank_where(np.array(PAINS, dtype=object)[pain_idx], pain_empty),
        loss,
    ]
    offers = write_table(out_dir, OFFERS, [c[exists] for c in offers_cols])

    # ---- leads: linked leads first (one per covered offer id), then unlinked with and without Id.
    first_created = {}
    first_uc = {}
    for k, s in enumerate(off_id.tolist()):
        if s in lead_of and s not in first_created:
            first_created[s] = int(created[k])
            first_uc[s] = "" if uc_empty[k] else USE_CASES[uc_idx[k]]
    linked_ids = offer_uniq[covered]
    n_with_id = max(n_leads - n_lead_noid, n_linked)
    n_unlinked_id = n_with_id - n_linked
    n_noid = n_leads - n_with_id
    n_lead_dup = min(scaled(12, scale, 0), n_unlinked_id)
    unl_ids = spare_ids[: n_unlinked_id - n_lead_dup]
    dup_ids = spare_ids[:n_lead_dup] if n_lead_dup else np.array([], dtype=object)
    lead_id = np.concatenate([linked_ids, unl_ids, dup_ids, np.full(n_noid, "", dtype=object)])
    linked = np.zeros(n_leads, dtype=bool)
    linked[:n_linked] = True
    n_unl = n_leads - n_linked

    lag = rng.geometric(1 / 20, size=n_linked) - 1
    lag[rng.random(n_linked) < 0.05] *= -1
    lead_created = np.empty(n_leads, dtype=np.int64)
    lead_created[:n_linked] = (
        np.array([first_created[s] for s in linked_ids.tolist()], dtype=np.int64) - lag
    )
    lead_created[n_linked:] = (
        START_DAY
        - 60
        + (rng.beta(1.8, 1.1, size=n_unl) * (END_DAY - START_DAY + 60)).astype(np.int64)
    )

    lead_uc = np.empty(n_leads, dtype=object)
    lead_uc[:n_linked] = [first_uc[s] for s in linked_ids.tolist()]
    lead_uc[n_linked:] = blank_where(
        pick(rng, USE_CASES[:4], USE_CASE_W[:4], n_unl), rng.random(n_unl) < 0.04
    )

    source = np.empty(n_leads, dtype=object)
    source[:n_linked] = linked_source
    source[n_linked:] = blank_where(
        pick(rng, LEAD_SOURCES, LEAD_SOURCE_W, n_unl), rng.random(n_unl) < 0.0007
    )

    lstatus = np.empty(n_leads, dtype=object)
    lstatus[:n_linked] = np.where(rng.random(n_linked) < 0.85, "Converted", "Qualified")
    lstatus[n_linked:] = pick(rng, LEAD_STATUSES, UNLINKED_STATUS_W, n_unl)
    has_reason = np.isin(lstatus, ["Discarded", "Nurturing"]) & (rng.random(n_leads) < 0.93)
    reason = np.full(n_leads, "", dtype=object)
    reason[has_reason] = pick(rng, REASONS, REASON_W, int(has_reason.sum()))
    campaign = blank_where(pick(rng, CAMPAIGNS, CAMPAIGN_W, n_leads), rng.random(n_leads) < 0.6)
    city = blank_where(pick(rng, CITIES, CITY_W, n_leads), rng.random(n_leads) < 0.31)
    converted = np.where(linked, "1", "0").astype(object)

    order = rng.permutation(n_leads)
    if as_of is not None:
        # the leads as known on the as-of date: created later, absent (the few dated after the
        # world's last day, a lag drawn past it, are there on the last day only); a linked lead
        # converts on the day its first offer (the earliest of the offers with its Id) is created
        converted_on: dict[str, int] = {}
        for k, s in enumerate(off_id.tolist()):
            if s in lead_of:
                converted_on[s] = min(converted_on.get(s, END_DAY + 1), int(created[k]))
        not_yet = np.zeros(n_leads, dtype=bool)
        not_yet[:n_linked] = [converted_on[s] > as_of_day for s in linked_ids.tolist()]
        converted[not_yet] = "0"
        lstatus[not_yet] = BEFORE_CONVERSION_STATUS
        order = order[np.minimum(lead_created[order], END_DAY) <= as_of_day]
    leads_cols = [
        lead_id,
        pick(rng, FIRST_NAMES, [1] * len(FIRST_NAMES), n_leads),
        lead_uc,
        source,
        lstatus,
        reason,
        campaign,
        iso_dates(lead_created),
        converted,
        city,
    ]
    leads = write_table(out_dir, LEADS, leads_cols, order=order)
    return {"offers": offers, "leads": leads}

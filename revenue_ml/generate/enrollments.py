"""Language-institute enrollments: ``enrollments/enrollments.csv`` (~150k x scale rows).

One row per student and month (``PERIODO`` YYYYMM, 202201..202412) with site (``SEDE``),
course level (``CURSO_ACTUAL``: BASICO 01..12 then INTERMEDIO 01..12), schedule slot
(``HORARIO_ACTUAL``), a stable ``ID_ESTUDIANTE`` and ``ESTADO`` (MATRICULADO, or RETIRADO for
~5% who withdrew that month). New students start at BASICO 01 with strong seasonality (Jan-Mar
peak, mid-year dip, yearly growth); most continuing students move one level up next month
keeping site and schedule, so last month's class one level below at the same site and schedule
predicts this month's class size. Like an institute, the generator merges a class that would
run with fewer than ``MERGE_BELOW`` students into the largest class of the same site and level
(its students change schedule), so most classes have 8-20 students and the ones below a
minimum size are the exceptions a coordinator acts on. Quirks: ~0.1% exact duplicate rows and
a few values with stray leading/trailing spaces. Comma-separated, ASCII, LF.

As of a day (``as_of``, on the world's clock: ``TIMELINE`` lays 2024-12-31 on its last day),
the file holds the periods up to the one containing that day, nothing later (a month's
enrolments are known from its first day): the first lines of the full file, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from revenue_ml.contracts import ENROLLMENTS
from revenue_ml.generate.common import (
    WRITE_CHUNK_ROWS,
    Timeline,
    day_number,
    scaled,
    source_rng,
    write_chunks,
)

SOURCE = "enrollments"

SITES = ("LIMA CENTRO", "MIRAFLORES", "SAN ISIDRO", "SURCO", "LOS OLIVOS")
SITE_W = np.array([1.0, 0.8, 0.55, 0.6, 0.75])
SCHEDULES = (
    "07:00 - 08:30",
    "09:00 - 10:30",
    "11:00 - 12:30",
    "15:00 - 16:30",
    "17:00 - 18:30",
    "19:00 - 20:30",
)
SCHEDULE_W = np.array([0.85, 0.55, 0.35, 0.45, 0.75, 1.0])
LEVELS = tuple(f"BASICO {i:02d}" for i in range(1, 13)) + tuple(
    f"INTERMEDIO {i:02d}" for i in range(1, 13)
)
# new-student seasonality by calendar month (Jan..Dec) and growth per year from 2022
SEASON = np.array([1.9, 1.7, 1.45, 0.95, 0.85, 0.7, 0.6, 0.95, 0.85, 0.75, 0.6, 0.5])
GROWTH = (1.0, 1.09, 1.16)
PERIODS = tuple(100 * y + m for y in (2022, 2023, 2024) for m in range(1, 13))
#: The first day of the first period and the last day of the last one.
TIMELINE = Timeline(day_number("2022-01-01"), day_number("2024-12-31"))


def period_of(day: int) -> int:
    """The period (YYYYMM) containing a day number of this source's own calendar."""
    month = int(np.datetime64(int(day), "D").astype("datetime64[M]").astype(np.int64))
    return 100 * (1970 + month // 12) + month % 12 + 1


MERGE_BELOW = 8


def merge_small_classes(
    site: np.ndarray, lvl: np.ndarray, sched: np.ndarray, n_sched: int, n_lvl: int
) -> np.ndarray:
    """Schedules with fewer than MERGE_BELOW students at a site and level move to the
    largest schedule there."""
    group = site * n_lvl + lvl
    counts = np.zeros((group.max(initial=0) + 1, n_sched), dtype=np.int64)
    np.add.at(counts, (group, sched), 1)
    largest = counts.argmax(axis=1)
    small = counts[group, sched] < MERGE_BELOW
    return np.where(small, largest[group], sched)


def generate_enrollments(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 42,
    chunk_rows: int = WRITE_CHUNK_ROWS,
    as_of: int | None = None,
) -> dict[str, tuple[Path, int]]:
    """Simulate 36 months of student flow, write the file; return ``{"enrollments": (path, rows)}``.

    Scale multiplies the monthly intake of new students (~880 x scale at the seasonal mean).
    Each month's rows are kept sorted in file order in compact form (~12 bytes a row: 180 MB at
    scale 100, where a table of strings took 9 GB) and written ``chunk_rows`` at a time; the
    bytes do not depend on ``chunk_rows``. ``as_of`` (a day number on the world's clock; default
    its last day) writes the periods up to the one containing it: all 36 months are simulated
    and every draw made, so the periods written are those of the full file.
    """
    rng = source_rng(seed, SOURCE)
    base_new = 880.0 * scale
    n_site, n_sched, n_lvl = len(SITES), len(SCHEDULES), len(LEVELS)
    cell_w = np.outer(SITE_W, SCHEDULE_W) * np.exp(rng.normal(0, 0.25, size=(n_site, n_sched)))
    cell_p = (cell_w / cell_w.sum()).ravel()

    ids = np.zeros(0, dtype=np.int64)
    lvl = np.zeros(0, dtype=np.int64)
    site = np.zeros(0, dtype=np.int64)
    sched = np.zeros(0, dtype=np.int64)
    next_id = 100001
    months: list[_Month] = []
    for t, period in enumerate(PERIODS):
        month = period % 100
        n_new = int(rng.poisson(base_new * SEASON[month - 1] * GROWTH[t // 12]))
        cell = rng.choice(n_site * n_sched, size=n_new, p=cell_p)
        ids = np.concatenate([ids, np.arange(next_id, next_id + n_new)])
        next_id += n_new
        lvl = np.concatenate([lvl, np.zeros(n_new, dtype=np.int64)])
        site = np.concatenate([site, cell // n_sched])
        sched = np.concatenate([sched, cell % n_sched])
        n = len(ids)
        withdrew = rng.random(n) < 0.05
        months.append(_Month.sorted(period, site, lvl, sched, ids, withdrew))

        # transition to next month
        p_cont = np.where(month == 12, 0.72, np.where(month == 6, 0.8, 0.87)) + 0.004 * lvl
        cont = ~withdrew & (rng.random(n) < p_cont)
        repeat = rng.random(n) < 0.05
        new_lvl = np.where(repeat, lvl, lvl + 1)
        cont &= new_lvl < n_lvl  # graduates leave
        move_site = rng.random(n) < 0.03
        move_sched = rng.random(n) < 0.08
        site = np.where(move_site, rng.choice(n_site, size=n, p=SITE_W / SITE_W.sum()), site)[cont]
        sched = np.where(
            move_sched, rng.choice(n_sched, size=n, p=SCHEDULE_W / SCHEDULE_W.sum()), sched
        )[cont]
        ids, lvl = ids[cont], new_lvl[cont]
        # the institute merges a class too small to run into the largest class of the same
        # site and level (a continuing student keeps site and level, changes schedule)
        sched = merge_small_classes(site, lvl, sched, n_sched, n_lvl)

    n_rows = sum(len(m.ids) for m in months)
    # stray spaces: a leading one in SEDE, a trailing one in CURSO_ACTUAL and HORARIO_ACTUAL
    spaced = [_bernoulli(rng, n_rows, frac, chunk_rows) for frac in (0.003, 0.002, 0.001)]
    # exact duplicate rows, right after the original
    n_dup = max(1, scaled(0.001 * n_rows, 1.0, 0))
    dup_at = np.sort(rng.choice(n_rows, size=n_dup, replace=False))
    vocab = [
        (np.array(SITES, dtype=object), np.array([" " + v for v in SITES], dtype=object)),
        (np.array(LEVELS, dtype=object), np.array([v + " " for v in LEVELS], dtype=object)),
        (np.array(SCHEDULES, dtype=object), np.array([v + " " for v in SCHEDULES], dtype=object)),
    ]
    estado = np.array(["MATRICULADO", "RETIRADO"], dtype=object)

    last_period = PERIODS[-1] if as_of is None else period_of(TIMELINE.own_day(as_of))

    def chunks() -> Iterator[list[np.ndarray]]:
        offset = 0  # file row (before duplicates) of the month's first row
        for m in months:
            if m.period > last_period:
                break
            for lo in range(0, len(m.ids), max(1, chunk_rows)):
                hi = min(lo + max(1, chunk_rows), len(m.ids))
                a, b = offset + lo, offset + hi
                dups = dup_at[np.searchsorted(dup_at, a) : np.searchsorted(dup_at, b)] - a
                idx = np.sort(np.concatenate([np.arange(hi - lo), dups]), kind="stable")
                keys = (m.site[lo:hi], m.lvl[lo:hi], m.sched[lo:hi])
                text = [
                    np.where(mask[a:b], spaced_vocab[key], plain[key])
                    for (plain, spaced_vocab), key, mask in zip(vocab, keys, spaced, strict=True)
                ]
                cols = [
                    np.full(hi - lo, m.period),
                    *text,
                    m.ids[lo:hi],
                    estado[m.withdrew[lo:hi].astype(np.intp)],
                ]
                yield [c[idx] for c in cols]
            offset += len(m.ids)

    return {"enrollments": write_chunks(out_dir, ENROLLMENTS, chunks())}


@dataclass
class _Month:
    """One period's rows in file order (site, level, schedule, student id), compact dtypes."""

    period: int
    site: np.ndarray  # int8
    lvl: np.ndarray  # int8
    sched: np.ndarray  # int8
    ids: np.ndarray  # int64
    withdrew: np.ndarray  # bool

    @classmethod
    def sorted(
        cls,
        period: int,
        site: np.ndarray,
        lvl: np.ndarray,
        sched: np.ndarray,
        ids: np.ndarray,
        withdrew: np.ndarray,
    ) -> _Month:
        """The file sorts by period, site, level, schedule, id: sort one period's rows now.

        A student is enrolled once a month, so the keys are unique and the order is total.
        """
        order = np.lexsort((ids, sched, lvl, site))
        return cls(
            period,
            site[order].astype(np.int8),
            lvl[order].astype(np.int8),
            sched[order].astype(np.int8),
            ids[order],
            withdrew[order],
        )


def _bernoulli(rng: np.random.Generator, n: int, p: float, chunk: int) -> np.ndarray:
    """``rng.random(n) < p`` drawn ``chunk`` values at a time: the same booleans (``random``
    draws one value per element in order) without an 8-byte float per row."""
    out = np.empty(n, dtype=bool)
    for lo in range(0, n, max(1, chunk)):
        hi = min(lo + max(1, chunk), n)
        out[lo:hi] = rng.random(hi - lo) < p
    return out

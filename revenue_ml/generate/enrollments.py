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
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from revenue_ml.contracts import ENROLLMENTS
from revenue_ml.generate.common import scaled, source_rng, write_table

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
    out_dir: Path, scale: float = 1.0, seed: int = 42
) -> dict[str, tuple[Path, int]]:
    """Simulate 36 months of student flow, write the file; return ``{"enrollments": (path, rows)}``.

    Scale multiplies the monthly intake of new students (~880 x scale at the seasonal mean).
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
    out: list[tuple[np.ndarray, ...]] = []
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
        out.append((np.full(n, period), site, lvl, sched, ids, withdrew))

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

    period_a, site_a, lvl_a, sched_a, id_a, wd_a = (
        np.concatenate(c) for c in zip(*out, strict=True)
    )
    order = np.lexsort((id_a, sched_a, lvl_a, site_a, period_a))
    n_rows = len(order)
    sede = np.array(SITES, dtype=object)[site_a[order]]
    curso = np.array(LEVELS, dtype=object)[lvl_a[order]]
    horario = np.array(SCHEDULES, dtype=object)[sched_a[order]]
    estado = np.where(wd_a[order], "RETIRADO", "MATRICULADO").astype(object)
    cols = [
        period_a[order].astype(str).astype(object),
        sede,
        curso,
        horario,
        id_a[order].astype(str).astype(object),
        estado,
    ]

    # stray spaces
    for col, frac, where in (
        (sede, 0.003, "lead"),
        (curso, 0.002, "trail"),
        (horario, 0.001, "trail"),
    ):
        m = rng.random(n_rows) < frac
        col[m] = [(" " + v) if where == "lead" else (v + " ") for v in col[m].tolist()]
    # exact duplicate rows, right after the original
    n_dup = max(1, scaled(0.001 * n_rows, 1.0, 0))
    dup_at = np.sort(rng.choice(n_rows, size=n_dup, replace=False))
    idx = np.sort(np.concatenate([np.arange(n_rows), dup_at]), kind="stable")
    return {"enrollments": write_table(out_dir, ENROLLMENTS, [c[idx] for c in cols])}

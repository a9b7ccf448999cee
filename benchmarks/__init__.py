"""Performance benchmark of the project (issue #8): ``python -m benchmarks.run``.

Modules: :mod:`~benchmarks.run` (command line, orchestration), :mod:`~benchmarks.builds` (data,
dbt builds, memory, node times), :mod:`~benchmarks.features` (customer features three ways),
:mod:`~benchmarks.scoring` (scoring throughput), :mod:`~benchmarks.budgets` (the budgets and
their evaluation), :mod:`~benchmarks.report` (JSON, markdown, printed tables),
:mod:`~benchmarks.warehouse` (manifest, relations, the transaction-rows check) and
:mod:`~benchmarks.names` (every dbt model the benchmark refers to).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
GB = 1024**3
T = TypeVar("T")


def log(msg: str) -> None:
    """One progress line, time-stamped, flushed at once."""
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def median(values: list[float]) -> float | None:
    """The median, None for no values."""
    return float(statistics.median(values)) if values else None


def scale_label(scale: float) -> str:
    """A scale as written on the command line: 1, 10, 0.02."""
    return f"{scale:g}"


def timed(fn: Callable[[], T], repeats: int) -> tuple[dict, T]:
    """Run ``fn`` ``repeats`` times (at least once): the timings and the last result."""
    times = []
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return {"seconds_runs": [round(t, 4) for t in times], "seconds_median": median(times)}, result

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
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
GB = 1024**3


def log(msg: str) -> None:
    """One progress line, time-stamped, flushed at once."""
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def median(values: list[float]) -> float | None:
    """The median, None for no values."""
    return float(statistics.median(values)) if values else None


def scale_label(scale: float) -> str:
    """A scale as written on the command line: 1, 10, 0.02."""
    return f"{scale:g}"

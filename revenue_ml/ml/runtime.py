"""How training uses the machine: thread settings and progress lines, from one place.

Threads. Every single model fit (LightGBM, a random forest, KMeans) runs on ONE thread:
``dbt build`` already runs several Python models at once (``threads`` in profiles.yml), and
OpenMP pools that spin on a shared core make a small fit 10-20x slower (measured: a 300-round
LightGBM fit of the churn features took 0.15 s on one thread, 2.4 s on two threads with the
other core busy). What may run in parallel is *independent fits* (cross-validation folds,
search candidates): :meth:`Runtime.map` spreads them over ``threads`` worker threads
(LightGBM and sklearn's tree builders release the GIL). Each fit stays single-threaded and
seeded, so the models are identical whatever the thread count.

The thread count is resolved once per Python model by :func:`resolve_threads`: the var
``ml_threads`` (or the environment variable ``REVENUE_ML_THREADS``) when set to a number, else
``max(1, cpu_count // dbt_threads)`` so that, across the dbt threads that may train at the same
time, no more threads run than there are cores. The value used is recorded in the registry
(``params.runtime_threads`` is *not* compared by the retrain policy) and in
``model_run_history``.

Progress. :func:`progress` writes one line per step (candidate i of n, fold, best so far,
seconds) through dbt's logger when running inside ``dbt build`` (see
:func:`revenue_ml.dbt.use_dbt_logger`), else through the standard ``logging`` module.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")
R = TypeVar("R")

THREADS_ENV = "REVENUE_ML_THREADS"
_LOGGER = logging.getLogger("revenue_ml")
_reporter: Callable[[str], None] | None = None


def resolve_threads(
    configured: object = None, dbt_threads: object = None, cpu_count: int | None = None
) -> int:
    """Worker threads for independent fits.

    ``configured``: the ``ml_threads`` var ('' / None / 'auto' = derive); the environment
    variable ``REVENUE_ML_THREADS`` wins over it when set. ``dbt_threads``: dbt's thread count
    (models that may train at the same time). Derived value: ``max(1, cpus // dbt_threads)``.
    """
    env = os.environ.get(THREADS_ENV, "").strip()
    value = env or ("" if configured is None else str(configured).strip())
    if value and value.lower() not in ("auto", "none", "null"):
        try:
            threads = int(value)
        except ValueError:
            raise ValueError(
                f"ml_threads / {THREADS_ENV} must be a whole number or 'auto', got {value!r}"
            ) from None
        if threads < 1:
            raise ValueError(f"ml_threads / {THREADS_ENV} must be at least 1, got {threads}")
        return threads
    cpus = cpu_count or os.cpu_count() or 1
    try:
        concurrent = max(1, int(str(dbt_threads))) if dbt_threads not in (None, "") else 1
    except ValueError:
        concurrent = 1
    return max(1, cpus // concurrent)


@dataclass(frozen=True)
class Runtime:
    """Execution settings of one training run (never part of what the model *is*)."""

    threads: int = 1
    #: Name prefixed to progress lines (the registered model being trained).
    label: str = ""
    #: No progress lines (e.g. the folds inside one search candidate).
    quiet: bool = False

    def named(self, label: str) -> Runtime:
        return Runtime(self.threads, label, self.quiet)

    def silent(self) -> Runtime:
        return Runtime(self.threads, self.label, True)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(item) for item in items]``, spread over ``threads`` workers, in item order.

        BLAS/OpenMP pools inside each call are limited to one thread.
        """
        items = list(items)
        with threadpool_limits(limits=1):
            if self.threads <= 1 or len(items) <= 1:
                return [fn(item) for item in items]
            with ThreadPoolExecutor(max_workers=min(self.threads, len(items))) as pool:
                return list(pool.map(fn, items))

    def log(self, message: str) -> None:
        if self.quiet:
            return
        progress(f"{self.label}: {message}" if self.label else message)


def single_threaded_pools() -> None:
    """Limit the BLAS and OpenMP pools to one thread for the rest of the process.

    Called as a Python model starts (:func:`revenue_ml.dbt.clear_errors`). ``threadpool_limits``
    is process-wide: with a ``with`` block per fit, dbt threads training at the same time left
    each other's fits running on one or two BLAS threads depending on timing, and the thread
    count changes the last bits of a BLAS result (a logistic regression's coefficients, hence
    its scores), so two builds of the same data differed. One thread everywhere keeps every
    fit single-threaded, as the module docstring says they are, whatever runs beside it.
    """
    threadpool_limits(limits=1)


def progress(message: str) -> None:
    """One progress line: through dbt's logger inside ``dbt build``, else ``logging``."""
    if _reporter is not None:
        _reporter(message)
    else:
        _LOGGER.info(message)


def set_reporter(reporter: Callable[[str], None] | None) -> None:
    """Route :func:`progress` lines (``None`` restores the ``logging`` module)."""
    global _reporter
    _reporter = reporter


#: One worker thread, no label: the default wherever no runtime is passed.
SERIAL = Runtime()

"""Threads: the training's worker threads, the REST service's prediction threads and the
one-thread BLAS and OpenMP pools of the Python models (revenue_ml.ml.runtime)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from revenue_ml.ml.runtime import Runtime, resolve_threads


def test_thread_setting_comes_from_the_var_env_or_cores_per_dbt_thread(monkeypatch) -> None:
    monkeypatch.delenv("REVENUE_ML_THREADS", raising=False)
    assert resolve_threads("", 2, cpu_count=2) == 1  # 2 dbt threads on 2 cores: one each
    assert resolve_threads(None, 1, cpu_count=8) == 8
    assert resolve_threads("auto", 4, cpu_count=2) == 1  # never below one
    assert resolve_threads("3", 2, cpu_count=2) == 3
    monkeypatch.setenv("REVENUE_ML_THREADS", "2")
    assert resolve_threads("3", 2, cpu_count=2) == 2  # the environment wins
    monkeypatch.setenv("REVENUE_ML_THREADS", "many")
    with pytest.raises(ValueError, match="whole number"):
        resolve_threads("", 2)


def test_service_threads_come_from_the_environment_or_the_cores(monkeypatch) -> None:
    from revenue_ml.serve import models
    from revenue_ml.serve.__main__ import settings_from_args

    monkeypatch.delenv(models.THREADS_ENV, raising=False)
    assert models.threads_from_environment() == (os.cpu_count() or 1)
    monkeypatch.setenv(models.THREADS_ENV, "1")
    assert models.ServiceSettings.from_environment().threads == 1
    # the command line's source and body limit keep the environment's threads
    monkeypatch.setenv(models.THREADS_ENV, "3")
    args = argparse.Namespace(warehouse=Path("w.duckdb"), snapshot=None, max_body_bytes=10)
    settings = settings_from_args(args)
    assert (settings.threads, settings.warehouse, settings.max_body_bytes) == (
        3,
        Path("w.duckdb"),
        10,
    )
    monkeypatch.setenv(models.THREADS_ENV, "two")
    with pytest.raises(ValueError, match="REVENUE_ML_SERVE_THREADS='two' is not a thread count"):
        models.threads_from_environment()


def test_python_models_keep_blas_and_openmp_on_one_thread() -> None:
    """The pools' limit is process-wide: a fit's `with` block leaving must not hand a model that
    trains beside it two BLAS threads (other last bits of its coefficients)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from revenue_ml.dbt import clear_errors
    from revenue_ml.ml import runtime as rt

    def threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info()}

    with threadpool_limits(limits=2):  # the process as dbt starts it; restored afterwards
        assert threads() == {2}
        try:
            with clear_errors():
                assert threads() == {1}
                Runtime(threads=2).map(abs, [-1, -2])  # a fit's with-block entered and left
                assert threads() == {1}
        finally:
            rt.set_reporter(None)


@pytest.mark.parametrize("package", ["revenue_ml.domains", "revenue_ml.governance"])
def test_the_packages_python_models_import_load_the_ml_libraries_whole_first(package) -> None:
    """dbt's two threads may start two Python models at once; the package each imports loads
    scikit-learn, SciPy and LightGBM in its own body (one thread; the other waits), so neither
    thread sees a half-imported library (revenue_ml.ml.libraries). In a fresh interpreter:"""
    import subprocess
    import sys

    import revenue_ml.ml.libraries as libraries

    lines = Path(libraries.__file__).read_text().splitlines()
    names = [line.split()[1] for line in lines if line.startswith("import ")]
    names = [n for n in names if n.split(".")[0] in ("lightgbm", "scipy", "sklearn")]
    assert {"sklearn.base", "sklearn.model_selection", "lightgbm", "scipy.stats"} <= set(names)
    code = (
        "import sys\n"
        "before = {n for n in sys.modules if n.split('.')[0] in ('sklearn', 'lightgbm')}\n"
        f"import {package}\n"
        f"missing = [n for n in {names!r} if n not in sys.modules]\n"
        "assert not before and not missing, (before, missing)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

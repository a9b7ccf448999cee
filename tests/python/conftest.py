"""Shared pytest fixtures: small generated data, dbt runs in temporary DuckDB files."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
#: Scale of the generated data the end-to-end build uses (about 11k transactions).
SMALL_SCALE = 0.02
SMALL_SEED = 7


def shared_datasets_dir() -> Path:
    """The real public datasets: $REVENUE_ML_SHARED_DATASETS or ../shared/datasets."""
    env = os.environ.get("REVENUE_ML_SHARED_DATASETS")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "datasets"


@dataclass
class DbtResult:
    returncode: int
    output: str
    duckdb_path: Path
    target_path: Path

    def check(self) -> DbtResult:
        assert self.returncode == 0, f"dbt failed:\n{self.output[-6000:]}"
        return self


def run_dbt(
    args: list[str],
    *,
    raw_dir: Path,
    work_dir: Path,
    vars_yaml: str | None = None,
    duckdb_path: Path | None = None,
    env: dict[str, str] | None = None,
) -> DbtResult:
    """Run a dbt command from the repo root against a DuckDB file inside ``work_dir``.

    Target and log paths live in ``work_dir`` too, so tests never touch the developer's
    warehouse or ``target/``, and two runs never share state. ``env`` adds environment
    variables (e.g. the Spark target's state directory). No MLflow logging unless ``env`` sets
    ``MLFLOW_TRACKING_URI`` (a developer's own store is never written by a test).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    duckdb_path = duckdb_path or work_dir / "warehouse.duckdb"
    target_path = work_dir / "target"
    env = {
        **os.environ,
        "REVENUE_ML_DUCKDB": str(duckdb_path),
        "REVENUE_ML_RAW_DIR": str(raw_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MLFLOW_TRACKING_URI": "",
        **(env or {}),
    }
    cmd = [DBT, *args, "--target-path", str(target_path), "--log-path", str(work_dir / "logs")]
    if vars_yaml:
        cmd += ["--vars", vars_yaml]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800)
    return DbtResult(proc.returncode, proc.stdout + proc.stderr, duckdb_path, target_path)


@pytest.fixture(scope="session")
def small_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All five sources generated at a small scale, once per session."""
    from revenue_ml.generate import generate

    out = tmp_path_factory.mktemp("raw_small")
    generate(out, scale=SMALL_SCALE, seed=SMALL_SEED)
    return out


@pytest.fixture(scope="session")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """A full ``dbt build`` on the real public datasets (config/shared_datasets.yml), once per
    session; skipped with the reason when the datasets folder is absent."""
    shared = shared_datasets_dir()
    if not shared.is_dir():
        pytest.skip(f"real datasets folder {shared} is absent (set REVENUE_ML_SHARED_DATASETS)")
    vars_yaml = (REPO_ROOT / "config" / "shared_datasets.yml").read_text()
    vars_yaml = vars_yaml.replace("raw_dir: ../shared/datasets", f"raw_dir: {shared}")
    work = tmp_path_factory.mktemp("dbt_shared")
    return run_dbt(["build"], raw_dir=shared, work_dir=work, vars_yaml=vars_yaml).check()


@pytest.fixture(scope="session")
def small_warehouse(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """A full ``dbt build`` (models, data tests, unit tests) on the small generated data."""
    work = tmp_path_factory.mktemp("dbt_small")
    return run_dbt(["build"], raw_dir=small_raw_dir, work_dir=work).check()


def ml_settings(policy: str = "always"):
    """The shared lifecycle settings for package tests (what build_settings holds in a build)."""
    from revenue_ml.settings import MlSettings

    return MlSettings(
        retrain_policy=policy,
        ml_threads=None,
        dbt_threads=1,
        drift_ks_threshold=0.2,
        drift_psi_threshold=0.25,
    )


@pytest.fixture(scope="session")
def mlflow_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty MLflow sqlite store, created once (MLflow's schema migrations take seconds);
    tests copy it with :func:`mlflow_store`."""
    from revenue_ml.ml.tracking import Mirror

    path = tmp_path_factory.mktemp("mlflow_template") / "mlruns.db"
    Mirror(f"sqlite:///{path}")
    return path


def mlflow_store(template: Path, directory: Path) -> str:
    """A fresh copy of the template store in ``directory``: its tracking URI (artifacts go to
    ``directory / "mlruns"``)."""
    import shutil

    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, directory / "mlruns.db")
    return f"sqlite:///{directory / 'mlruns.db'}"

"""Shared pytest fixtures and helpers: small generated data, dbt runs in temporary DuckDB
files and queries of them, toy rows and specs for the package tests (imported by the test
modules: ``from conftest import toy_rows, toy_spec``)."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
#: Scale of the generated data the end-to-end build uses (about 11k transactions).
SMALL_SCALE = 0.02
SMALL_SEED = 7


def pytest_configure(config: pytest.Config) -> None:
    """One parse cache per test session (see :func:`run_dbt`); pytest-xdist's workers inherit
    the controller's."""
    if not os.environ.get(PARSE_CACHE_ENV):
        os.environ[PARSE_CACHE_ENV] = tempfile.mkdtemp(prefix="revenue_ml_parse_")
        config._revenue_ml_parse_cache = os.environ[PARSE_CACHE_ENV]


#: The test files that take longest, started first so that pytest-xdist's workers end together
#: (make test: ``-n 2 --dist loadfile --no-loadscope-reorder``: one file per worker at a time,
#: in this order, not xdist's most-tests-first); a session-wide build is made a file or two
#: before its other users start, so that a worker seldom waits for the other's build. The
#: order changes no result; a file not listed runs after these.
SLOW_FIRST = (
    "test_spark_parity.py",  # its own Spark build, then the small build
    "test_bench_smoke.py",  # the benchmark at a tiny scale: four builds
    "test_acceptance_churn_campaign.py",  # the real-data build, well before its other users
    "test_dashboard.py",  # a rebuild with the app open
    "test_track_record.py",  # four as-of builds into one warehouse
    "test_acceptance_dashboard.py",
    "test_e2e_trust.py",
    "test_source_down.py",
    "test_e2e_build.py",
    "test_e2e_lifecycle.py",
    "test_serve.py",
    "test_e2e_champion.py",
    "test_acceptance_ecommerce_features.py",
    "test_e2e_churn_batch.py",
    "test_e2e_enrollment.py",
    "test_docs_site.py",
    "test_mlflow_models.py",
    "test_guarantees.py",
    "test_orchestrate.py",
    "test_acceptance_enrollment.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_unconfigure(config: pytest.Config) -> None:
    made = getattr(config, "_revenue_ml_parse_cache", None)
    if made:  # only the folder this session made
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop(PARSE_CACHE_ENV, None)


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


def query(source: DbtResult | Path, sql: str) -> list[tuple]:
    """``sql``'s rows in a build's warehouse (a :class:`DbtResult` or the DuckDB file), over a
    read-only connection closed at once."""
    path = source.duckdb_path if isinstance(source, DbtResult) else source
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def query_frame(source: DbtResult | Path, sql: str) -> pd.DataFrame:
    """:func:`query` as a pandas frame."""
    path = source.duckdb_path if isinstance(source, DbtResult) else source
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).df()


@dataclass(frozen=True)
class DbtCommand:
    """A dbt command ready to run on the project (:func:`dbt_command`)."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    duckdb_path: Path
    target_path: Path
    parse_keys: list[str]

    def run(self) -> DbtResult:
        """Run it to the end (at most 30 min), starting from the session's saved parse."""
        _seed_parse(self.parse_keys, self.target_path)
        started, cpu = time.perf_counter(), _children_cpu()
        proc = subprocess.run(
            self.argv, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=1800
        )
        _record_run(self.argv, time.perf_counter() - started, _children_cpu() - cpu)
        _keep_parse(self.parse_keys, self.target_path)
        return DbtResult(
            proc.returncode, proc.stdout + proc.stderr, self.duckdb_path, self.target_path
        )

    def start(self, out) -> subprocess.Popen:
        """Start it in the background, its output to the open file ``out``."""
        _seed_parse(self.parse_keys, self.target_path)
        return subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )


def dbt_command(
    args: list[str],
    *,
    raw_dir: Path,
    work_dir: Path,
    vars_yaml: str | None = None,
    duckdb_path: Path | None = None,
    env: dict[str, str] | None = None,
) -> DbtCommand:
    """A dbt command on the project against a DuckDB file inside ``work_dir``.

    Target and log paths live in ``work_dir`` too, so tests never touch the developer's
    warehouse or ``target/``, and two runs never share state. ``env`` adds environment
    variables (e.g. the Spark target's state directory). No MLflow logging unless ``env`` sets
    ``MLFLOW_TRACKING_URI`` (a developer's own store is never written by a test).

    dbt runs in the warehouse file's folder with the file's bare name as the profile's path, so
    that runs on the same raw files, vars and file name share one parse: the first one's
    ``partial_parse.msgpack`` seeds the target folder of the next (:func:`_parse_keys`; dbt
    still checks every file's checksum and reparses what changed), instead of each paying the
    full parse (about 10 s of every run).

    dbt writes no debug log file (``--log-level-file none``: about a tenth of a small build's
    CPU); what it prints is in :attr:`DbtResult.output`. With ``REVENUE_ML_TEST_DBT_TIMES``
    set to a file, each run appends a JSON line there: the test, the command, wall and CPU
    seconds (to see which dbt runs the suite's time goes to).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    duckdb_path = (duckdb_path or work_dir / "warehouse.duckdb").resolve()
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    target_path = work_dir / "target"
    env = {
        **os.environ,
        "REVENUE_ML_DUCKDB": duckdb_path.name,
        "REVENUE_ML_HOME": str(REPO_ROOT),
        "REVENUE_ML_RAW_DIR": str(raw_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MLFLOW_TRACKING_URI": "",
        **(env or {}),
    }
    argv = [
        DBT,
        *args,
        "--project-dir",
        str(REPO_ROOT),
        "--profiles-dir",
        str(REPO_ROOT),
        "--target-path",
        str(target_path),
        "--log-path",
        str(work_dir / "logs"),
        "--log-level-file",
        "none",
    ]
    if vars_yaml:
        argv += ["--vars", vars_yaml]
    keys = _parse_keys(args, vars_yaml, env)
    return DbtCommand(argv, env, duckdb_path.parent, duckdb_path, target_path, keys)


def run_dbt(args: list[str], **kwargs) -> DbtResult:
    """:func:`dbt_command` run to the end."""
    return dbt_command(args, **kwargs).run()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _record_run(argv: list[str], wall: float, cpu: float) -> None:
    """One JSON line per dbt run in the file ``REVENUE_ML_TEST_DBT_TIMES`` names (if any)."""
    out = os.environ.get(TIMES_ENV)
    if out:
        row = {
            "test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0],
            "args": argv[1 : argv.index("--project-dir")],
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
        }
        with open(out, "a") as handle:  # one short line per write: appends do not interleave
            handle.write(json.dumps(row) + "\n")


#: A file to which each dbt run of the tests appends its test, command and times (optional).
TIMES_ENV = "REVENUE_ML_TEST_DBT_TIMES"
#: Where the test session keeps one parsed project per key (set once per session, shared by
#: pytest-xdist's workers, which inherit the environment).
PARSE_CACHE_ENV = "REVENUE_ML_TEST_PARSE_CACHE"


def _parse_keys(args: list[str], vars_yaml: str | None, env: dict[str, str]) -> list[str]:
    """Keys of the saved parses a run can start from, best first. dbt's partial parsing needs
    the same CLI vars, target and profile connection (here, the warehouse file's name); the
    first key also holds the raw files' folder and the project's other environment variables
    (nothing to reparse), the second leaves them out (dbt reparses the files that read them:
    about half the time of a full parse)."""
    target = [a for i, a in enumerate(args) if i and args[i - 1] == "--target"]
    project_env = sorted(
        (k, v)
        for k, v in env.items()
        if k.startswith(("REVENUE_ML_", "DBT_")) and k != PARSE_CACHE_ENV
    )
    loose = [(k, v) for k, v in project_env if k in ("REVENUE_ML_DUCKDB", "REVENUE_ML_HOME")]
    return [
        hashlib.sha256(repr((target, vars_yaml, kept)).encode()).hexdigest()[:20]
        for kept in (project_env, loose)
    ]


def _seed_parse(keys: list[str], target_path: Path) -> None:
    cache = os.environ.get(PARSE_CACHE_ENV)
    if not cache or (target_path / "partial_parse.msgpack").exists():
        return
    for key in keys:
        saved = Path(cache) / f"{key}.msgpack"
        if saved.is_file():
            target_path.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved, target_path / "partial_parse.msgpack")
            return


def _keep_parse(keys: list[str], target_path: Path) -> None:
    cache = os.environ.get(PARSE_CACHE_ENV)
    parsed = target_path / "partial_parse.msgpack"
    if not cache or not parsed.is_file():
        return
    Path(cache).mkdir(parents=True, exist_ok=True)
    for key in keys:
        if not (Path(cache) / f"{key}.msgpack").exists():
            partial = Path(cache) / f"{key}.{os.getpid()}.tmp"
            shutil.copyfile(parsed, partial)
            os.replace(partial, Path(cache) / f"{key}.msgpack")  # whole or absent to a reader


def shared_vars(shared: Path) -> str:
    """config/shared_datasets.yml's vars with ``raw_dir`` pointing at ``shared``."""
    vars_yaml = (REPO_ROOT / "config" / "shared_datasets.yml").read_text()
    return vars_yaml.replace("raw_dir: ../shared/datasets", f"raw_dir: {shared}")


#: What the enrollment builds select: the forecast, its backtest and the classes at risk with
#: everything upstream, the run versions and the enrollments' staging; never the registry's
#: union (``model_registry`` reads every domain's registry).
ENROLLMENT_SELECT = [
    "--select",
    "+enrollment_forecast+",
    "+enrollment_backtest_metrics",
    "+enrollment_classes_at_risk",
    "enrollment_run_versions",
    "+path:models/staging/enrollments",
    "--exclude",
    "model_registry+",
    # the prediction log reads every domain's scoring marts, which this build does not make
    "prediction_log+",
]


def generated(
    tmp_path_factory: pytest.TempPathFactory, name: str, scale: float, seed: int = SMALL_SEED
) -> Path:
    """All five sources generated at ``scale`` into a new temporary folder named ``name``."""
    from revenue_ml.generate import generate

    out = tmp_path_factory.mktemp(name)
    generate(out, scale=scale, seed=seed)
    return out


def on_xdist_worker() -> bool:
    """Whether this process is one of pytest-xdist's workers."""
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def once_per_session(tmp_path_factory: pytest.TempPathFactory, name: str, make) -> Path:
    """A folder ``name`` that ``make(folder)`` fills once per test session, even when
    pytest-xdist runs the tests on several workers: the first worker to ask makes it (under a
    file lock) in the folder the workers share; the others wait and reuse it. Without xdist,
    a new temporary folder."""
    if not on_xdist_worker():
        out = tmp_path_factory.mktemp(name)
        make(out)
        return out
    from filelock import FileLock

    out = tmp_path_factory.getbasetemp().parent / f"shared_{name}"
    with FileLock(f"{out}.lock"):
        if not (out / ".made").is_file():
            if out.exists():  # a worker stopped half-way: start again
                shutil.rmtree(out)
            out.mkdir()
            make(out)
            (out / ".made").touch()
    return out


def build_once(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    raw_dir: Path,
    args: tuple[str, ...] = ("build",),
    **kwargs,
) -> DbtResult:
    """``dbt <args>`` once per session (:func:`once_per_session`), its result checked. Each
    xdist worker gets its own copy of the warehouse and target folder: tests may write to what
    they are given (a rebuild, ``dbt docs generate``) while the other worker reads."""

    def build(work: Path) -> None:
        result = run_dbt(list(args), raw_dir=raw_dir, work_dir=work, **kwargs)
        (work / "result.json").write_text(
            json.dumps({"returncode": result.returncode, "output": result.output})
        )

    made = once_per_session(tmp_path_factory, name, build)
    work = made
    if on_xdist_worker():
        work = tmp_path_factory.mktemp(name)
        shutil.copytree(made, work, dirs_exist_ok=True)
    saved = json.loads((work / "result.json").read_text())
    return DbtResult(
        saved["returncode"], saved["output"], work / "warehouse.duckdb", work / "target"
    ).check()


@pytest.fixture(scope="session")
def small_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All five sources generated at a small scale, once per session (one folder for every
    worker: tests read it, and copy it to change it)."""
    from revenue_ml.generate import generate

    return once_per_session(
        tmp_path_factory, "raw_small", lambda out: generate(out, scale=SMALL_SCALE, seed=SMALL_SEED)
    )


@pytest.fixture(scope="session")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """A full ``dbt build`` on the real public datasets (config/shared_datasets.yml), once per
    session; skipped with the reason when the datasets folder is absent."""
    shared = shared_datasets_dir()
    if not shared.is_dir():
        pytest.skip(f"real datasets folder {shared} is absent (set REVENUE_ML_SHARED_DATASETS)")
    return build_once(tmp_path_factory, "dbt_shared", shared, vars_yaml=shared_vars(shared))


@pytest.fixture(scope="session")
def small_warehouse(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtResult:
    """A full ``dbt build`` on the small generated data: models, data tests and the unit tests
    (``--select fqn:*``; a plain ``dbt build`` leaves them out, selectors.yml)."""
    return build_once(tmp_path_factory, "dbt_small", small_raw_dir, ("build", "--select", "fqn:*"))


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


# --- Package tests: toy rows and specs ---------------------------------------------------------


def lightgbm_params(rounds: int, **extra) -> dict:
    """LightGBM's default binary parameters with ``rounds`` boosting rounds (fast fits)."""
    from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS

    return {**DEFAULT_PARAMS, "num_boost_round": rounds, **extra}


def toy_rows(n: int = 240, seed: int = 0, noise: float = 0.5) -> pd.DataFrame:
    """Labelled rows of a known rule: ``key``, three numeric features (``c`` is noise) and
    ``y`` = 1 where 2a - 1.5b + noise > 1 (about a quarter of the rows)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    logit = 2.0 * x[:, 0] - 1.5 * x[:, 1] + rng.normal(scale=noise, size=n)
    return pd.DataFrame(
        {"key": [f"k{i:04d}" for i in range(n)], "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}
    ).assign(y=(logit > 1.0).astype(float))


def toy_spec(**fields):
    """A small :class:`~revenue_ml.ml.binary.BinarySpec` of :func:`toy_rows`: features a, b, c,
    a 25% test split, 3 folds, LightGBM with 20 rounds; ``fields`` override any field."""
    from revenue_ml.ml.binary import BinarySpec

    base = dict(
        name="toy",
        domain="toy",
        variant="v",
        key="key",
        target="y",
        numeric=["a", "b", "c"],
        cv_folds=3,
        min_rows=30,
        test_share=0.25,
        params=lightgbm_params(20),
    )
    return BinarySpec(**{**base, **fields})


def mixed_rows(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Rows with a numeric, a noise and a categorical feature and a date (``id``, ``x1``,
    ``x2``, ``cat``, ``when``, ``y``); the last 40 are unlabelled (rows to score)."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    cat = rng.choice(["a", "b", "c"], size=n)
    logit = 1.5 * x1 + (cat == "a") * 1.0 - 0.2
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    frame = pd.DataFrame(
        {
            "id": [f"k{i:04d}" for i in range(n)],
            "x1": x1,
            "x2": rng.normal(size=n),
            "cat": cat,
            "when": pd.date_range("2020-01-01", periods=n, freq="D"),
            "y": y,
        }
    )
    frame.loc[frame.index[-40:], "y"] = np.nan  # rows to score
    return frame


def mixed_spec(**fields):
    """The spec of :func:`mixed_rows` (model ``toy``): a time holdout on ``when``, 5 folds,
    ``leak`` forbidden, LightGBM with 30 rounds."""
    base = dict(
        domain="test",
        key="id",
        numeric=["x1", "x2"],
        categorical=["cat"],
        forbidden=frozenset({"leak"}),
        time_column="when",
        test_share=None,
        cv_folds=5,
        min_rows=50,
        params=lightgbm_params(30),
    )
    return toy_spec(**{**base, **fields})


def dated_rows(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Labelled rows created over 400 days; a label is known 0-60 days after creation
    (``created``, ``known``; features ``a``, ``b``, ``kind``)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    created = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    known = created + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    logit = 1.5 * x[:, 0] - x[:, 1] + rng.normal(scale=0.7, size=n)
    return pd.DataFrame(
        {
            "key": [f"k{i:04d}" for i in range(n)],
            "a": x[:, 0],
            "b": x[:, 1],
            "kind": rng.choice(["p", "q", "r"], size=n),
            "created": created,
            "known": known,
            "y": (logit > 0).astype(float),
        }
    )


def dated_spec(**fields):
    """The spec of :func:`dated_rows` (model ``m``): a time holdout on ``created``, labels
    known at ``known``, 3 folds, a 5-window rolling origin, LightGBM with 30 rounds."""
    base = dict(
        name="m",
        domain="d",
        numeric=["a", "b"],
        categorical=["kind"],
        time_column="created",
        known_at_column="known",
        holdout_share=0.2,
        test_share=None,
        rolling_windows=5,
        rolling_share=0.5,
        params=lightgbm_params(30),
    )
    return toy_spec(**{**base, **fields})


#: The BigML churn file's header.
BIGML_COLUMNS = (
    "State,Account length,Area code,International plan,Voice mail plan,"
    "Number vmail messages,Total day minutes,Total day calls,Total day charge,"
    "Total eve minutes,Total eve calls,Total eve charge,Total night minutes,"
    "Total night calls,Total night charge,Total intl minutes,Total intl calls,"
    "Total intl charge,Customer service calls,Churn"
).split(",")


def bigml_rows(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` raw records of the BigML churn file, as text; customers with many daytime minutes
    or service calls churn."""
    rng = np.random.default_rng(seed)
    day = np.round(rng.uniform(50, 350, n), 1)
    service = rng.integers(0, 8, n)
    churned = (day > 260) | (service >= 4)
    rows = {
        "State": rng.choice(["KS", "OH", "NJ"], n),
        "Account length": rng.integers(1, 200, n),
        "Area code": rng.choice(["408", "415", "510"], n),
        "International plan": rng.choice(["Yes", "No"], n, p=[0.1, 0.9]),
        "Voice mail plan": rng.choice(["Yes", "No"], n),
        "Number vmail messages": rng.integers(0, 40, n),
        "Total day minutes": day,
        "Total day calls": rng.integers(50, 150, n),
        "Total day charge": np.round(day * 0.17, 2),
    }
    for period, rate in (("eve", 0.085), ("night", 0.045), ("intl", 0.27)):
        minutes = np.round(rng.uniform(0, 300 if period != "intl" else 20, n), 1)
        rows[f"Total {period} minutes"] = minutes
        rows[f"Total {period} calls"] = rng.integers(0, 150, n)
        rows[f"Total {period} charge"] = np.round(minutes * rate, 2)
    rows["Customer service calls"] = service
    rows["Churn"] = np.where(churned, "True", "False")
    return pd.DataFrame(rows)[BIGML_COLUMNS].astype(str)

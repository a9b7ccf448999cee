"""The Dagster definitions: the dbt project as assets, its build job, schedule and sensor.

``build_definitions(settings)`` builds everything from :class:`OrchestrateSettings`; the code
location (:mod:`revenue_ml.orchestrate.definitions`) calls it with the environment's settings,
tests with their own temporary paths.

Choices, and why:

- dbt runs with the project's own target directory (``DBT_TARGET_PATH``, default
  ``target/``), not dagster-dbt's per-run folder: the build's on-run-end hook publishes the
  dashboard snapshot under ``<target>/dashboard_snapshot/<warehouse>``, where the dashboard and
  the scoring service read it. Runs never overlap (one at a time, the instance's run queue), so
  they cannot clobber each other's artifacts; the log goes to ``logs/dbt.log`` as with
  ``make build``.
- dbt tests are not Dagster asset checks: their results arrive as observations on the assets
  and fail the run as in ``dbt build``. With checks, a run of some assets without some of their
  checks makes dagster-dbt list every test on dbt's command line, and past 200 resources it
  copies the project directory, the virtualenv, the data and the warehouse included, to a
  temporary folder and builds there.
- The tests a run takes are dbt's ``buildable`` ones: those whose every model is built in the
  run or upstream of it. A whole build runs every test either way; a few assets built from the
  UI are not failed by a test comparing them with a downstream table the run leaves as it was
  (dbt's default, ``eager``, runs those too).
- A failed build is retried with exponential backoff (the warehouse may be locked by a manual
  ``make build``, a process may be killed), except when the only failures are data tests: the
  same data would fail them again, so the run fails at once, naming them.
"""

# No `from __future__ import annotations`: Dagster reads the asset function's `context`
# annotation at definition time and needs the class, not a string.
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from filelock import FileLock

from revenue_ml.orchestrate import raw_watch
from revenue_ml.orchestrate.settings import CRON_ENV, OrchestrateSettings, OrchestrateSettingsError

#: The job every trigger starts: ``dbt build`` of the whole project.
JOB_NAME = "dbt_build"
SCHEDULE_NAME = "daily_dbt_build"
SENSOR_NAME = "raw_files_changed"
#: The profiles.yml target the orchestrator builds (the DuckDB warehouse).
DBT_TARGET = "dev"
#: Run tag saying what started a run (schedule, raw-file sensor).
TRIGGER_TAG = "revenue_ml/trigger"
#: Run tag listing the raw files whose change started a run.
CHANGED_TAG = "revenue_ml/changed_files"
#: dbt result statuses that make ``dbt build`` fail.
_FAILED = ("error", "fail", "runtime error")


#: The dbt next to this interpreter: `make orchestrate` does not put .venv/bin on PATH, where
#: dagster-dbt looks by default.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
#: dbt_project.yml keys of the folders dbt parses, dbt's defaults, and the files it reads there
#: (tests/python's pytest files, say, are not dbt's).
_SOURCE_PATHS = {
    "model-paths": (["models"], (".sql", ".py", ".yml", ".yaml", ".md")),
    "seed-paths": (["seeds"], (".csv", ".yml", ".yaml", ".md")),
    "macro-paths": (["macros"], (".sql", ".yml", ".yaml", ".md")),
    "analysis-paths": (["analyses"], (".sql", ".yml", ".yaml", ".md")),
    "test-paths": (["tests"], (".sql", ".yml", ".yaml", ".csv", ".md")),
    "snapshot-paths": (["snapshots"], (".sql", ".yml", ".yaml", ".md")),
}


def manifest_is_stale(project: DbtProject) -> bool:
    """Whether the manifest is absent or older than dbt_project.yml or a file dbt parses (or
    a folder of them: a file added or removed). A stale manifest is not only incomplete:
    dagster-dbt fails a run on the first result of a node it does not know."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime
    config_file = project.project_dir / "dbt_project.yml"
    if config_file.stat().st_mtime > parsed_at:
        return True
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    for key, (default, suffixes) in _SOURCE_PATHS.items():
        for folder in config.get(key, default):
            for root, dirs, files in os.walk(project.project_dir / folder):
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                read = [os.path.join(root, f) for f in files if f.endswith(suffixes)]
                if any(os.stat(path).st_mtime > parsed_at for path in [root, *read]):
                    return True
    return False


def parse(settings: OrchestrateSettings) -> None:
    """``dbt parse`` into the settings' target path (dbt as a subprocess, as a build runs it:
    dagster-dbt's own preparer looks for dbt on PATH and first loads dbt in this process).
    Raises with dbt's message when the project does not parse."""
    command = [
        DBT_EXECUTABLE,
        "parse",
        "--quiet",
        "--target",
        DBT_TARGET,
        "--profiles-dir",
        str(settings.project_dir),
        "--target-path",
        str(settings.target_path),
        "--log-path",
        str(settings.log_path),
    ]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(
        command, cwd=settings.project_dir, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"dbt parse of {settings.project_dir} failed (exit {proc.returncode}), so Dagster "
            f"cannot list the assets; fix what dbt says and reload:\n"
            f"{(proc.stdout + proc.stderr)[-4000:]}"
        )


def dbt_project(settings: OrchestrateSettings) -> DbtProject:
    """The dbt project, its manifest up to date: ``dbt parse`` runs when the manifest is absent
    or stale (:func:`manifest_is_stale`), so a model added since appears at the next code load
    (``dagster dev``'s Reload, or a restart). One process parses at a time (a lock file beside
    the manifest); one that waited for another's parse uses it."""
    project = DbtProject(
        project_dir=settings.project_dir,
        target_path=settings.target_path,
        profiles_dir=settings.project_dir,
        target=DBT_TARGET,
    )
    if not manifest_is_stale(project):
        return project
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(project.manifest_path.with_suffix(".parse-lock"), timeout=600):
        if manifest_is_stale(project):
            parse(settings)
    return project


class RevenueMlTranslator(DagsterDbtTranslator):
    """dagster-dbt's defaults, but every model and seed is keyed by its warehouse relation,
    ``<schema>/<name>`` (``staging/stg_telco_churn__customers``; dagster-dbt prefixes only the
    nodes whose own config sets a schema, so half the keys would have one), and grouped by its
    schema (staging, intermediate, seeds, ml, quality and one per domain). Sources keep
    ``<source>/<table>``."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = str(dbt_resource_props.get("schema") or "")
        return re.sub(r"\W", "_", schema) or super().get_group_name(dbt_resource_props)


def retry_policy(settings: OrchestrateSettings) -> dg.RetryPolicy | None:
    """Exponential backoff: the n-th retry waits (2**n - 1) * the delay (1, 3, 7, ... times)."""
    if settings.max_retries == 0:
        return None
    return dg.RetryPolicy(
        max_retries=settings.max_retries,
        delay=settings.retry_delay_seconds,
        backoff=dg.Backoff.EXPONENTIAL,
    )


def failed_nodes(run_results: Path, since: float) -> list[tuple[str, str]]:
    """(unique_id, status) of every failed node in ``run_results``; empty when the file is
    absent or older than ``since`` (then it is an earlier command's: dbt stopped before
    running anything, e.g. on a compilation error)."""
    try:
        if run_results.stat().st_mtime < since:
            return []
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return []
    return [(r["unique_id"], r["status"]) for r in results if r.get("status") in _FAILED]


def only_data_tests_failed(failed: list[tuple[str, str]]) -> bool:
    """Whether every failure is a data or unit test that ran and failed (status ``fail``):
    the data or the rule is wrong, and a retry would fail the same way."""
    return bool(failed) and all(status == "fail" for _, status in failed)


def _build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: OrchestrateSettings
) -> Iterator[Any]:
    started = time.time()
    invocation = dbt.cli(
        ["build", "--indirect-selection", "buildable", "--log-path", str(settings.log_path)],
        context=context,
        target_path=settings.target_path,
        raise_on_error=False,
    )
    yield from invocation.stream()
    error = invocation.get_error()
    if error is None:
        return
    failed = failed_nodes(settings.target_path / "run_results.json", since=started)
    if only_data_tests_failed(failed):
        names = [unique_id.split(".")[-1] for unique_id, _ in failed]
        raise dg.Failure(
            description=(
                f"dbt build: {len(names)} data test(s) failed, so the data or a rule is wrong and "
                f"the build is not retried: {', '.join(names[:20])}"
                f"{' ...' if len(names) > 20 else ''}. Their results: "
                f"{settings.target_path / 'run_results.json'}; the log: "
                f"{settings.log_path / 'dbt.log'}."
            ),
            allow_retries=False,
        )
    raise error


def build_schedule(settings: OrchestrateSettings) -> dg.ScheduleDefinition:
    """The daily build, running as soon as the instance's daemon runs (``dagster dev``)."""
    try:
        return dg.ScheduleDefinition(
            name=SCHEDULE_NAME,
            job_name=JOB_NAME,
            cron_schedule=settings.cron,
            execution_timezone=settings.timezone,
            default_status=dg.DefaultScheduleStatus.RUNNING,
            tags={TRIGGER_TAG: "schedule"},
            description=f"dbt build at '{settings.cron}' ({settings.timezone}); {CRON_ENV} "
            "changes it",
        )
    except dg.DagsterInvalidDefinitionError:
        raise OrchestrateSettingsError(
            f"{CRON_ENV} is {settings.cron!r}, which Dagster does not read as a cron string: "
            f"give five fields (minute hour day-of-month month day-of-week), e.g. "
            f"{CRON_ENV}='0 6 * * *'."
        ) from None


def build_sensor(settings: OrchestrateSettings, job_name: str = JOB_NAME) -> dg.SensorDefinition:
    """Starts ``job_name`` when a raw file changed (see :mod:`.raw_watch`), and not otherwise."""
    paths = raw_watch.watched_files(settings.raw_dir)

    @dg.sensor(
        name=SENSOR_NAME,
        job_name=job_name,
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"dbt build when a raw file under {settings.raw_dir} changes (left alone for "
            f"{settings.sensor_settle_seconds} s)"
        ),
    )
    def raw_files_changed(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        decision = raw_watch.decide(
            context.cursor,
            raw_watch.observe(paths),
            raw_dir=settings.raw_dir,
            now_ns=time.time_ns(),
            settle_seconds=settings.sensor_settle_seconds,
        )
        context.log.info(decision.message)
        if not decision.request:
            return dg.SensorResult(skip_reason=decision.message, cursor=decision.cursor)
        request = dg.RunRequest(
            run_key=decision.run_key,
            tags={TRIGGER_TAG: "raw_files", CHANGED_TAG: raw_watch.listing(decision.changed)},
        )
        return dg.SensorResult(run_requests=[request], cursor=decision.cursor)

    return raw_files_changed


def build_definitions(settings: OrchestrateSettings | None = None) -> dg.Definitions:
    """Everything the code location holds, from ``settings`` (default: the environment)."""
    settings = settings or OrchestrateSettings.from_env()
    schedule = build_schedule(settings)  # a bad cron string fails before the slower parse
    project = dbt_project(settings)
    dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="revenue_ml_dbt",
        dagster_dbt_translator=RevenueMlTranslator(),
        retry_policy=retry_policy(settings),
    )
    def revenue_ml_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        yield from _build(context, dbt, settings)

    return dg.Definitions(
        assets=[revenue_ml_dbt],
        # dbt build of every asset: dagster-dbt then runs dbt's own selection (fqn:*), the
        # singular and unit tests included
        jobs=[
            dg.define_asset_job(
                JOB_NAME,
                selection=dg.AssetSelection.all(),
                description="dbt build of the whole project into the DuckDB warehouse",
            )
        ],
        schedules=[schedule],
        sensors=[build_sensor(settings)],
        resources={"dbt": dbt},
    )

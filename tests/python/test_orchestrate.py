"""Scheduled runs on Dagster (revenue_ml/orchestrate/, make orchestrate).

The definitions load (in-process and through Dagster's own CLI), the raw-file sensor starts a
build when a raw file changed and not otherwise, a failed build is retried only when a retry can
help, the instance runs one build at a time, and a small selection of the dbt assets
materialises in-process into a temporary warehouse (target, log and warehouse paths all
temporary, as conftest's run_dbt keeps them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import REPO_ROOT
from dagster_dbt.asset_utils import _SELECTION_ARGS_THRESHOLD

from revenue_ml.contracts import ALL_FILES, GENERATED_FILES, TELCO_CHURN
from revenue_ml.orchestrate import raw_watch
from revenue_ml.orchestrate.project import (
    JOB_NAME,
    SCHEDULE_NAME,
    SENSOR_NAME,
    build_definitions,
    build_schedule,
    build_sensor,
    dbt_project,
    failed_nodes,
    manifest_is_stale,
    only_data_tests_failed,
)
from revenue_ml.orchestrate.settings import (
    PROJECT_DIR,
    OrchestrateSettings,
    OrchestrateSettingsError,
)

DAGSTER_YAML = REPO_ROOT / "config" / "dagster" / "dagster.yaml"
#: The four nodes the in-process materialisation builds: the raw-file audit (and the table of
#: files it reads) before the staging models of one source, as in every build.
SMALL_SELECTION = (
    ("quality", "raw_files"),
    ("quality", "raw_file_audit"),
    ("staging", "base_telco_churn__customers"),
    ("staging", "stg_telco_churn__customers"),
)


def settings_for(work: Path, raw_dir: Path, **env: str) -> OrchestrateSettings:
    """Settings whose dbt target and log paths are inside ``work``; no retries unless ``env``
    says (a failing test must not wait for backoff)."""
    return OrchestrateSettings.from_env(
        {
            "REVENUE_ML_RAW_DIR": str(raw_dir),
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
            "REVENUE_ML_RUN_RETRIES": "0",
            **env,
        }
    )


@pytest.fixture(scope="module")
def orchestrate_settings(
    small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> OrchestrateSettings:
    return settings_for(tmp_path_factory.mktemp("orchestrate"), small_raw_dir)


@pytest.fixture(scope="module")
def defs(orchestrate_settings: OrchestrateSettings) -> dg.Definitions:
    """The definitions, built once: the first call runs ``dbt parse`` into the temp target."""
    return build_definitions(orchestrate_settings)


# --- settings --------------------------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = OrchestrateSettings.from_env({})
    assert settings.cron == "0 6 * * *"
    assert settings.timezone == "UTC"
    assert settings.raw_dir == PROJECT_DIR / "data" / "raw"
    assert settings.target_path == PROJECT_DIR / "target"
    assert settings.log_path == PROJECT_DIR / "logs"
    assert (settings.max_retries, settings.retry_delay_seconds) == (3, 60)
    assert (settings.sensor_interval_seconds, settings.sensor_settle_seconds) == (60, 60)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REVENUE_ML_SCHEDULE_CRON", "0 6 * *"),
        ("REVENUE_ML_SCHEDULE_TIMEZONE", "Mars/Olympus_Mons"),
        ("REVENUE_ML_RUN_RETRIES", "three"),
        ("REVENUE_ML_RUN_RETRIES", "-1"),
        ("REVENUE_ML_SENSOR_INTERVAL_SECONDS", "1"),
        ("REVENUE_ML_RUN_RETRY_DELAY_SECONDS", "1.5"),
    ],
)
def test_bad_setting_is_named_with_a_fix(name: str, value: str) -> None:
    with pytest.raises(OrchestrateSettingsError, match=name) as info:
        OrchestrateSettings.from_env({name: value})
    assert "e.g." in str(info.value) or "such as" in str(info.value)


def test_cron_dagster_rejects_names_the_variable(tmp_path: Path) -> None:
    """Five fields that are not a schedule (minute 99) pass the settings' shape check; Dagster's
    own check rejects them, and the error still names the variable."""
    settings = settings_for(tmp_path, tmp_path, REVENUE_ML_SCHEDULE_CRON="99 6 * * *")
    with pytest.raises(OrchestrateSettingsError, match="REVENUE_ML_SCHEDULE_CRON"):
        build_schedule(settings)
    schedule = build_schedule(
        settings_for(tmp_path, tmp_path, REVENUE_ML_SCHEDULE_CRON="30 5 * * 1-5")
    )
    assert schedule.cron_schedule == "30 5 * * 1-5"


# --- the raw-file sensor ---------------------------------------------------------------------


def _write(path: Path, text: str, age_seconds: float) -> None:
    """Write ``text`` to ``path`` and date it ``age_seconds`` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))


def _tick(sensor: dg.SensorDefinition, cursor: str | None) -> dg.SensorResult:
    result = sensor(dg.build_sensor_context(cursor=cursor))
    assert isinstance(result, dg.SensorResult)
    return result


def test_sensor_requests_a_build_when_a_raw_file_changes_and_not_otherwise(
    tmp_path: Path,
) -> None:
    raw_dir = tmp_path / "raw"
    for raw in GENERATED_FILES:
        _write(raw_dir / raw.path, ",".join(raw.columns) + "\n", age_seconds=3600)
    sensor = build_sensor(settings_for(tmp_path, raw_dir, REVENUE_ML_SENSOR_SETTLE_SECONDS="60"))
    assert sensor.job_name == JOB_NAME

    # First look: the state is recorded, nothing starts (the schedule builds what is there).
    first = _tick(sensor, None)
    assert not first.run_requests and "first look" in first.skip_reason.skip_message
    cursor = first.cursor
    assert json.loads(cursor)["files"][str(raw_dir / TELCO_CHURN.path)] is not None

    # Nothing changed; a file outside the contracts does not count.
    _write(raw_dir / "notes.txt", "not a raw file", age_seconds=3600)
    quiet = _tick(sensor, cursor)
    assert not quiet.run_requests and quiet.cursor == cursor

    # A raw file written just now: changed, but it may still be being written: wait.
    churn = raw_dir / TELCO_CHURN.path
    _write(churn, ",".join(TELCO_CHURN.columns) + "\nKS,128\n", age_seconds=0)
    waiting = _tick(sensor, cursor)
    assert not waiting.run_requests
    assert "telco_churn/churn-bigml-80.csv" in waiting.skip_reason.skip_message
    assert waiting.cursor == cursor  # the change is seen again on the next look

    # Left alone for longer than the settle time: one build, tagged with the file.
    stamp = time.time() - 120
    os.utime(churn, (stamp, stamp))
    changed = _tick(sensor, cursor)
    assert len(changed.run_requests) == 1
    request = changed.run_requests[0]
    assert request.tags["revenue_ml/trigger"] == "raw_files"
    assert request.tags["revenue_ml/changed_files"] == "telco_churn/churn-bigml-80.csv"
    assert request.run_key and changed.cursor != cursor

    # The same state again: no second build.
    again = _tick(sensor, changed.cursor)
    assert not again.run_requests and again.cursor == changed.cursor

    # A file that appears (the OULAD extract) or disappears is a change too.
    oulad = next(raw for raw in ALL_FILES if raw not in GENERATED_FILES)
    _write(raw_dir / oulad.path, ",".join(oulad.columns) + "\n", age_seconds=3600)
    appeared = _tick(sensor, changed.cursor)
    assert len(appeared.run_requests) == 1
    (raw_dir / oulad.path).unlink()
    removed = _tick(sensor, appeared.cursor)
    assert len(removed.run_requests) == 1
    assert removed.run_requests[0].run_key != appeared.run_requests[0].run_key


def test_sensor_treats_a_foreign_cursor_as_a_first_look(tmp_path: Path) -> None:
    decision = raw_watch.decide(
        "not json", {"/x": None}, raw_dir=tmp_path, now_ns=time.time_ns(), settle_seconds=0
    )
    assert not decision.request and raw_watch.decode(decision.cursor) == {"/x": None}


# --- retries ---------------------------------------------------------------------------------


def _run_results(path: Path, statuses: dict[str, str]) -> Path:
    results = [{"unique_id": uid, "status": status} for uid, status in statuses.items()]
    path.write_text(json.dumps({"results": results}), encoding="utf-8")
    return path


def test_only_failed_data_tests_skip_the_retries(tmp_path: Path) -> None:
    started = time.time() - 5
    path = tmp_path / "run_results.json"
    tests_failed = failed_nodes(
        _run_results(path, {"model.p.a": "success", "test.p.t1": "fail", "test.p.t2": "pass"}),
        since=started,
    )
    assert tests_failed == [("test.p.t1", "fail")] and only_data_tests_failed(tests_failed)

    model_error = failed_nodes(
        _run_results(path, {"model.p.a": "error", "test.p.t1": "fail"}), since=started
    )
    assert not only_data_tests_failed(model_error)  # e.g. the warehouse was locked: retry

    # A run_results.json older than the command is an earlier command's: not this failure's.
    assert failed_nodes(path, since=time.time() + 60) == []
    assert not only_data_tests_failed([])
    assert failed_nodes(tmp_path / "absent.json", since=started) == []


# --- definitions -----------------------------------------------------------------------------


def test_definitions_load(defs: dg.Definitions, orchestrate_settings: OrchestrateSettings) -> None:
    manifest = json.loads((orchestrate_settings.target_path / "manifest.json").read_text())
    built = {
        (node["schema"], node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
    }
    graph = defs.resolve_asset_graph()
    keys = {tuple(key.path) for key in graph.materializable_asset_keys}
    assert keys == built and set(SMALL_SELECTION) <= keys
    # Above this many resources in one selection, dagster-dbt copies the whole project
    # directory (the venv and the warehouse included) to build there; keep well below it.
    assert len(keys) < _SELECTION_ARGS_THRESHOLD
    groups = {graph.get(key).group_name for key in graph.materializable_asset_keys}
    assert {"staging", "intermediate", "seeds", "ml", "quality", "churn", "sales"} <= groups

    job = defs.resolve_job_def(JOB_NAME)
    (node,) = job.nodes
    policy = node.definition.retry_policy
    assert policy is None  # the fixture's settings ask for no retries
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "UTC")
    assert schedule.job_name == JOB_NAME
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.job_name == JOB_NAME and sensor.minimum_interval_seconds == 60


def test_retries_back_off_exponentially(
    defs: dg.Definitions, orchestrate_settings: OrchestrateSettings
) -> None:
    settings = settings_for(
        orchestrate_settings.target_path.parent,
        orchestrate_settings.raw_dir,
        REVENUE_ML_RUN_RETRIES="3",
        REVENUE_ML_RUN_RETRY_DELAY_SECONDS="60",
    )
    (node,) = build_definitions(settings).resolve_job_def(JOB_NAME).nodes
    policy = node.definition.retry_policy
    assert (policy.max_retries, policy.backoff) == (3, dg.Backoff.EXPONENTIAL)
    assert [policy.calculate_delay(n) for n in (1, 2, 3)] == [60, 180, 420]


def test_manifest_is_parsed_again_when_stale(orchestrate_settings: OrchestrateSettings) -> None:
    project = dbt_project(orchestrate_settings)
    assert not manifest_is_stale(project)
    manifest = project.manifest_path
    parsed_at = manifest.stat().st_mtime
    os.utime(manifest, (0, 0))  # older than every project file
    try:
        assert manifest_is_stale(project)
    finally:
        os.utime(manifest, (parsed_at, parsed_at))


def test_dagster_cli_validates_the_code_location(
    defs: dg.Definitions, orchestrate_settings: OrchestrateSettings, tmp_path: Path
) -> None:
    """The code location `make orchestrate` loads, through Dagster's own loader, with the
    instance config of config/dagster/dagster.yaml (the manifest is the fixture's: no parse)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "REVENUE_ML_RAW_DIR": str(orchestrate_settings.raw_dir),
        "DBT_TARGET_PATH": str(orchestrate_settings.target_path),
        "DBT_LOG_PATH": str(orchestrate_settings.log_path),
    }
    dagster = str(Path(sys.executable).with_name("dagster"))
    proc = subprocess.run(
        [dagster, "definitions", "validate", "-m", "revenue_ml.orchestrate.definitions"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert "revenue_ml.orchestrate.definitions" in output and "Validation successful" in output


def test_instance_runs_one_build_at_a_time(tmp_path: Path) -> None:
    shutil.copyfile(DAGSTER_YAML, tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert not instance.telemetry_enabled
    finally:
        instance.dispose()


# --- an in-process build ---------------------------------------------------------------------


@pytest.mark.e2e
def test_small_selection_materialises(
    defs: dg.Definitions,
    orchestrate_settings: OrchestrateSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The raw-file audit then one source's staging models, built by dagster-dbt into a temp
    warehouse; the build publishes the dashboard snapshot under the settings' target path."""
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("REVENUE_ML_DUCKDB", str(warehouse))
    monkeypatch.setenv("REVENUE_ML_RAW_DIR", str(orchestrate_settings.raw_dir))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    selection = [dg.AssetKey(list(key)) for key in SMALL_SELECTION]
    result = dg.materialize(
        list(defs.assets), selection=selection, resources=defs.resources, raise_on_error=False
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    materialised = {
        tuple(event.event_specific_data.materialization.asset_key.path)
        for event in result.get_asset_materialization_events()
    }
    assert materialised == set(SMALL_SELECTION)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = con.execute("select distinct status from quality.raw_file_audit").fetchall()
        customers = con.execute("select count(*) from staging.stg_telco_churn__customers")
        (count,) = customers.fetchall()[0]
    assert statuses == [("ok",)] and count > 0
    assert (orchestrate_settings.log_path / "dbt.log").exists()
    status = orchestrate_settings.target_path / "dashboard_snapshot" / "warehouse" / "status.json"
    assert json.loads(status.read_text().splitlines()[0])["status"] == "ready"

"""The orchestrator's settings, read from the environment once and checked.

Each setting is an environment variable with a default, so ``make orchestrate`` needs none and a
deployment changes one without touching code. A bad value stops the code location from loading
with a message naming the variable, what it holds and an example of a good value (the Dagster UI
shows it). The dbt side keeps its own variables: ``REVENUE_ML_RAW_DIR`` (the raw files, as the
build reads them), ``DBT_TARGET_PATH`` and ``DBT_LOG_PATH`` (dbt's own names).
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The repo root: dbt_project.yml and profiles.yml live here (the package is installed editable).
PROJECT_DIR = Path(__file__).resolve().parents[2]

CRON_ENV = "REVENUE_ML_SCHEDULE_CRON"
TIMEZONE_ENV = "REVENUE_ML_SCHEDULE_TIMEZONE"
SENSOR_INTERVAL_ENV = "REVENUE_ML_SENSOR_INTERVAL_SECONDS"
SENSOR_SETTLE_ENV = "REVENUE_ML_SENSOR_SETTLE_SECONDS"
RETRIES_ENV = "REVENUE_ML_RUN_RETRIES"
RETRY_DELAY_ENV = "REVENUE_ML_RUN_RETRY_DELAY_SECONDS"
RAW_DIR_ENV = "REVENUE_ML_RAW_DIR"
TARGET_PATH_ENV = "DBT_TARGET_PATH"
LOG_PATH_ENV = "DBT_LOG_PATH"

#: Every day at 06:00: the warehouse is fresh before the working day.
DEFAULT_CRON = "0 6 * * *"
DEFAULT_TIMEZONE = "UTC"
#: The raw-data directory the build reads when REVENUE_ML_RAW_DIR is unset (dbt_project.yml).
DEFAULT_RAW_DIR = "data/raw"
#: (default, lowest, highest) of the whole-number settings.
_BOUNDS = {
    SENSOR_INTERVAL_ENV: (60, 10, 86_400),
    SENSOR_SETTLE_ENV: (60, 0, 86_400),
    RETRIES_ENV: (3, 0, 10),
    RETRY_DELAY_ENV: (60, 1, 3_600),
}


class OrchestrateSettingsError(ValueError):
    """A setting's value is unusable; the message names the variable and a good value."""


def _whole_number(environ: Mapping[str, str], name: str) -> int:
    default, low, high = _BOUNDS[name]
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise OrchestrateSettingsError(
            f"{name} is {text!r}: give a whole number from {low} to {high} "
            f"(default {default}), e.g. {name}={default}."
        )
    return value


def _cron(environ: Mapping[str, str]) -> str:
    text = " ".join(environ.get(CRON_ENV, "").split()) or DEFAULT_CRON
    if len(text.split(" ")) != 5:
        raise OrchestrateSettingsError(
            f"{CRON_ENV} is {text!r}: give a cron string of five fields (minute hour "
            f"day-of-month month day-of-week), e.g. {CRON_ENV}='0 6 * * *' (06:00 daily) or "
            f"'30 5 * * 1-5' (05:30 on weekdays)."
        )
    return text


def _timezone(environ: Mapping[str, str]) -> str:
    text = environ.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise OrchestrateSettingsError(
            f"{TIMEZONE_ENV} is {text!r}, not a known time zone: give an IANA name such as "
            f"'UTC', 'Europe/Madrid' or 'America/New_York'."
        ) from None
    return text


def _path(environ: Mapping[str, str], name: str, default: str, project_dir: Path) -> Path:
    """A path setting; a relative one is relative to the project directory, where dbt runs."""
    path = Path(environ.get(name, "").strip() or default)
    return path if path.is_absolute() else project_dir / path


@dataclass(frozen=True)
class OrchestrateSettings:
    """What the Dagster definitions are built from.

    Attributes:
        project_dir: the dbt project (and profiles.yml) directory: the repo root.
        raw_dir: the raw files' directory, as the build resolves it (absolute).
        target_path: dbt's target directory: the manifest, run results and the dashboard
            snapshot the build publishes (``<target>/dashboard_snapshot``), where the dashboard
            and the scoring service look for it.
        log_path: dbt's log directory (``dbt.log``).
        cron: the schedule, five cron fields.
        timezone: the IANA time zone the cron string is read in.
        sensor_interval_seconds: how often the raw-file sensor looks.
        sensor_settle_seconds: a changed file is built only once unchanged for this long, so a
            file still being copied in is not built half-written.
        max_retries: retries of a failed build (0: none).
        retry_delay_seconds: the first retry's wait; the n-th waits (2**n - 1) times it.
    """

    project_dir: Path
    raw_dir: Path
    target_path: Path
    log_path: Path
    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    sensor_interval_seconds: int = _BOUNDS[SENSOR_INTERVAL_ENV][0]
    sensor_settle_seconds: int = _BOUNDS[SENSOR_SETTLE_ENV][0]
    max_retries: int = _BOUNDS[RETRIES_ENV][0]
    retry_delay_seconds: int = _BOUNDS[RETRY_DELAY_ENV][0]

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, project_dir: Path = PROJECT_DIR
    ) -> OrchestrateSettings:
        """Settings from ``environ`` (default: the process environment); raises
        :class:`OrchestrateSettingsError` naming the first bad variable."""
        env = os.environ if environ is None else environ
        return cls(
            project_dir=project_dir,
            raw_dir=_path(env, RAW_DIR_ENV, DEFAULT_RAW_DIR, project_dir),
            target_path=_path(env, TARGET_PATH_ENV, "target", project_dir),
            log_path=_path(env, LOG_PATH_ENV, "logs", project_dir),
            cron=_cron(env),
            timezone=_timezone(env),
            sensor_interval_seconds=_whole_number(env, SENSOR_INTERVAL_ENV),
            sensor_settle_seconds=_whole_number(env, SENSOR_SETTLE_ENV),
            max_retries=_whole_number(env, RETRIES_ENV),
            retry_delay_seconds=_whole_number(env, RETRY_DELAY_ENV),
        )

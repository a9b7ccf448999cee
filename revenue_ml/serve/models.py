"""What the service serves: the scorers of every domain, loaded from a snapshot or a warehouse,
and the version list of ``GET /models``."""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from revenue_ml import score
from revenue_ml.ml import champion as aliases
from revenue_ml.snapshot import latest_snapshot, snapshot_root
from revenue_ml.warehouse import read_warehouse_tables

HOST_ENV = "REVENUE_ML_SERVE_HOST"
PORT_ENV = "REVENUE_ML_SERVE_PORT"
WAREHOUSE_ENV = "REVENUE_ML_SERVE_WAREHOUSE"
MAX_BODY_ENV = "REVENUE_ML_SERVE_MAX_BODY_BYTES"
THREADS_ENV = "REVENUE_ML_SERVE_THREADS"
RELOAD_TOKEN_ENV = "REVENUE_ML_SERVE_RELOAD_TOKEN"
#: A reload token shorter than this is refused at start-up (it could be guessed).
MIN_TOKEN_CHARS = 16
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: ~18,000 churn records; raise it with REVENUE_ML_SERVE_MAX_BODY_BYTES.
DEFAULT_MAX_BODY_BYTES = 10_000_000


def threads_from_environment() -> int:
    """REVENUE_ML_SERVE_THREADS as a thread count (unset: the machine's cores)."""
    cores = os.cpu_count() or 1
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return cores
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"{THREADS_ENV}={value!r} is not a thread count: set it to a whole number (1 or "
            f"more), or unset it to use the machine's {cores} cores"
        )
    return int(value)


def reload_token_from_environment() -> str | None:
    """REVENUE_ML_SERVE_RELOAD_TOKEN (None when unset or empty: reload from this machine only)."""
    token = os.environ.get(RELOAD_TOKEN_ENV, "").strip()
    if not token:
        return None
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError(
            f"{RELOAD_TOKEN_ENV} is {len(token)} characters long; use at least "
            f"{MIN_TOKEN_CHARS} random ones (e.g. python -c 'import secrets; "
            f"print(secrets.token_urlsafe(32))'), or unset it to allow reloads from this "
            f"machine only"
        )
    return token


@dataclass(frozen=True)
class ServiceSettings:
    """Where the models come from, the request size limit and who may reload."""

    snapshot: Path | None = None
    warehouse: Path | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Prediction threads for a batch of 256 records or more (REVENUE_ML_SERVE_THREADS,
    #: default: the machine's cores); smaller batches use one. The probabilities are the same
    #: whatever the count.
    threads: int = 1
    #: The bearer token POST /reload needs (REVENUE_ML_SERVE_RELOAD_TOKEN); None: reloads are
    #: accepted from this machine only (127.0.0.1, ::1).
    reload_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls) -> ServiceSettings:
        warehouse = os.environ.get(WAREHOUSE_ENV)
        return cls(
            snapshot=None if warehouse else snapshot_root(),
            warehouse=Path(warehouse) if warehouse else None,
            max_body_bytes=int(os.environ.get(MAX_BODY_ENV, DEFAULT_MAX_BODY_BYTES)),
            threads=threads_from_environment(),
            reload_token=reload_token_from_environment(),
        )

    @property
    def source(self) -> str:
        """Where the models come from, with the full path (the operator's console only)."""
        if self.warehouse is not None:
            return f"warehouse {self.warehouse}"
        return f"snapshot directory {self.snapshot}"

    @property
    def source_name(self) -> str:
        """Where the models come from by name, for what the service answers: the server's
        file paths are nobody's business over HTTP."""
        if self.warehouse is not None:
            return f"warehouse {self.warehouse.name}"
        return f"snapshot folder {Path(str(self.snapshot)).name}"

    def public(self, text: str) -> str:
        """``text`` with the source's paths shown as names, and any other absolute path cut
        to its last part (an exception's message may name a file)."""
        known = []
        for path in (self.warehouse, self.snapshot):
            if path is not None:
                known += [str(path), str(Path(path).resolve()), str(Path(path).absolute())]
        for path in sorted(set(known), key=len, reverse=True):
            text = text.replace(path, Path(path).name)
        return _ABSOLUTE_PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


#: An absolute file path of two parts or more (``/tmp/x``), not a URL path in a sentence.
#: Where each warehouse domain's health is read (optional: a build older than it lacks it).
DOMAIN_STATUS = "quality.domain_status"
#: Serving domain -> the warehouse domain whose data it serves (quality.domain_status).
DATA_DOMAIN = {"offers": "sales"}

_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"`]+/)+[^\s/'\"`,;)]*")


@dataclass(frozen=True)
class Loaded:
    """One load of the models: a scorer per domain that loaded, the reason for those that did
    not, and the version list."""

    scorers: dict[str, score.Scorer]
    errors: dict[str, str]
    source: str
    snapshot_id: str | None
    loaded_at: datetime
    versions: list[dict] = field(default_factory=list)
    #: ``{warehouse domain: {status, reason, last_good_build_at}}`` of the domains whose marts
    #: are not the latest build's (quality.domain_status: stale or failed).
    stale: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _all_tables() -> tuple[str, ...]:
    names: list[str] = []
    for domain in score.DOMAINS.values():
        names += [t for t in domain.tables if t not in names]
    return tuple(names)


def _read_all(settings: ServiceSettings) -> tuple[str | None, dict[str, pd.DataFrame], dict]:
    """(snapshot id, the tables that could be read, {table: why not}) in one pass: a snapshot
    (Parquet files) or one read-only warehouse connection, closed at once."""
    wanted = (*_all_tables(), DOMAIN_STATUS)
    if settings.warehouse is not None:
        missing: dict[str, str] = {}
        return None, read_warehouse_tables(settings.warehouse, wanted, missing), missing
    info = latest_snapshot(settings.snapshot)
    if info is None:
        reason = f"no published snapshot in the {settings.source_name}; run dbt build first"
        return None, {}, {name: reason for name in wanted}
    tables, missing = {}, {}
    for name in wanted:
        if name in info.tables:
            tables[name] = pd.read_parquet(info.path / f"{name}.parquet")
        else:
            missing[name] = f"snapshot {info.snapshot_id} lacks {name}; run dbt build to publish it"
    return info.snapshot_id, tables, missing


def stale_domains(tables: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """The domains quality.domain_status reports as stale or failed, with the one-line reason
    and when their marts were last built; empty when the table was not read."""
    status = tables.get(DOMAIN_STATUS)
    if status is None or status.empty:
        return {}
    out = {}
    for row in status[status["status"] != "ok"].sort_values("domain").itertuples(index=False):
        built = row.last_good_build_at
        out[str(row.domain)] = {
            "status": str(row.status),
            "reason": None if pd.isna(row.reason) else str(row.reason),
            "last_good_build_at": None
            if pd.isna(built)
            else pd.Timestamp(built).isoformat(timespec="seconds") + "Z",
        }
    return out


def load(settings: ServiceSettings) -> Loaded:
    """Read the tables and build every domain's scorer (a domain that cannot load is
    reported, the others serve)."""
    snapshot_id, tables, missing = _read_all(settings)
    scorers, errors = {}, {}
    for name, domain in score.DOMAINS.items():
        absent = [missing[t] for t in domain.tables if t in missing]
        if absent:
            errors[name] = absent[0]
            continue
        try:
            scorers[name] = score.Scorer(name, tables, threads=settings.threads)
        except (LookupError, ValueError) as err:
            errors[name] = settings.public(str(err))
    return Loaded(
        scorers=scorers,
        errors={name: settings.public(why) for name, why in errors.items()},
        source=settings.source_name,
        snapshot_id=snapshot_id,
        loaded_at=datetime.now(UTC).replace(tzinfo=None),
        versions=versions(tables, scorers),
        stale={
            domain: {**why, "reason": settings.public(why["reason"]) if why["reason"] else None}
            for domain, why in stale_domains(tables).items()
        },
    )


def _metrics(text) -> dict:
    try:
        return json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}


def versions(tables: dict[str, pd.DataFrame], scorers: dict[str, score.Scorer]) -> list[dict]:
    """The versions with an alias in the served domains' registries, for ``GET /models``."""
    serving = {
        (name, int(record["model_version"]))
        for scorer in scorers.values()
        for name, record in scorer.champions.items()
    }
    out = []
    for domain in score.DOMAINS.values():
        registry = tables.get(domain.registry)
        if registry is None or registry.empty:
            continue
        current = aliases.current_aliases(registry)
        rows = registry.merge(current, on=["model_name", "model_version"])
        for row in (
            rows[rows["alias"].notna()].sort_values(["model_name", "model_version"]).itertuples()
        ):
            out.append(
                {
                    "domain": domain.name,
                    "model_name": row.model_name,
                    "model_version": int(row.model_version),
                    "alias": row.alias,
                    "serving": (row.model_name, int(row.model_version)) in serving,
                    "model_family": row.model_family,
                    "trained_at": pd.Timestamp(row.trained_at).isoformat(),
                    "training_fingerprint": row.training_fingerprint,
                    "training_rows": int(row.training_rows),
                    "threshold": None if pd.isna(row.threshold) else float(row.threshold),
                    "primary_metric": row.primary_metric,
                    "primary_metric_value": float(row.primary_metric_value),
                    "passed_gate": bool(row.passed_gate),
                    "metrics": _metrics(row.metrics),
                }
            )
    return out


class ModelStore:
    """The loaded models, swapped whole on reload (a failed reload keeps the previous ones)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self.current: Loaded | None = None
        self.last_error: str | None = None

    def reload(self) -> Loaded:
        """Load again; the new models replace the old only when at least one domain loaded."""
        with self._lock:
            try:
                loaded = load(self.settings)
            except Exception as err:  # noqa: BLE001 - keep serving what was loaded
                self.last_error = self.settings.public(f"{type(err).__name__}: {err}")
                raise
            if loaded.scorers or self.current is None:
                self.current = loaded
                self.last_error = None if loaded.ok else "; ".join(loaded.errors.values())
            else:
                self.last_error = "; ".join(loaded.errors.values())
            return loaded

"""The model registry from the command line: current aliases, and manual promotion.

Usage::

    python -m revenue_ml.registry aliases [--warehouse FILE] [--model NAME]
    python -m revenue_ml.registry promote <model> <version> --reason "why" [--by NAME] \\
        [--warehouse FILE] [--snapshot DIR]
    python -m revenue_ml.registry card <model> [version] [--warehouse FILE | --snapshot DIR]
    python -m revenue_ml.registry cards [--warehouse FILE | --snapshot DIR]

``card`` prints a registered version's model card (without a version: the champion's), and
``cards`` lists the versions that have one: the same as ``python -m revenue_ml.governance``
(:mod:`revenue_ml.governance.cards`, docs/governance.md).

``promote`` makes a registered version that passed its quality gate the champion of its model
(the version that scores; :mod:`revenue_ml.ml.champion`): it stamps ``promoted_at`` on the
version's registry row and appends an audit row to ``ml.model_promotions`` (when, who: ``--by``
or the operating-system user, why: ``--reason``, and the champion it replaced), and sets the
alias columns of the marts that show them (``ml.model_registry``: alias, is_champion,
promoted_at, champion_since; ``ml.model_metrics``: is_champion) to what the next build
computes, in one transaction. The registry row and the audit row survive later builds: the
registry tables are incremental and the audit table is never rebuilt by dbt.

The warehouse is the truth; the readers that never open it read the snapshot the last build
published (:mod:`revenue_ml.snapshot`). So, still holding the warehouse (no build can publish
meanwhile), ``promote`` publishes a new snapshot: the newest one with the tables it changed
exported again (``--snapshot DIR``; default: where a build of the warehouse publishes,
$REVENUE_ML_DASHBOARD_SNAPSHOT or target/dashboard_snapshot/<warehouse stem>). It does so only
when that snapshot came from this warehouse (its copy of the registry table holds no version
the warehouse lacks), else it says so and leaves the snapshot alone. Then a scoring service
serves the new champion after a reload (``POST /reload`` or SIGHUP), whether it reads the
snapshot (``make serve``) or the warehouse (``--warehouse``), and the dashboard shows it by
itself; the scoring marts are rescored with it by the next ``dbt build``. When an MLflow
tracking URI is configured (environment ``MLFLOW_TRACKING_URI``, else the last build's var
``mlflow_tracking_uri``), the MLflow aliases follow; a failure there only warns.

The warehouse is opened for writing, so this fails with a clear message while a ``dbt build``
holds it (default: $REVENUE_ML_DUCKDB or warehouse.duckdb).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from revenue_ml import snapshot as snapshots
from revenue_ml.ml import champion as aliases
from revenue_ml.settings import settings_of
from revenue_ml.warehouse import default_warehouse, is_lock_error

PROMOTIONS = "ml.model_promotions"
#: The marts that show each version's current alias; ``promote`` sets those columns of the
#: promoted model's rows as the next build would (models/marts/ml/).
REGISTRY_MART = "ml.model_registry"
METRICS_MART = "ml.model_metrics"


class RegistryError(RuntimeError):
    """A registry command cannot proceed; the message says why and what to do."""


def connect(warehouse: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise RegistryError(f"warehouse {warehouse} not found; run dbt build first")
    try:
        return duckdb.connect(str(warehouse), read_only=read_only)
    except duckdb.IOException as err:
        if not is_lock_error(err):
            raise
        raise RegistryError(
            f"the warehouse {warehouse} is being written by another process (a dbt build?); "
            f"wait for it to finish and run the command again"
        ) from None


def registry_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The per-domain registry tables (``ml.<entity>_model_versions``)."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'ml' and table_name like '%\\_model\\_versions' escape '\\' "
        "order by table_name"
    ).fetchall()
    return [f"ml.{name}" for (name,) in rows]


def read_registry(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every registry row (without the model text), with its table."""
    parts = []
    for table in registry_tables(con):
        frame = con.execute(f"select * exclude (model_text) from {table}").df()
        parts.append(frame.assign(registry_table=table))
    if not parts:
        raise RegistryError("the warehouse holds no registry table; run dbt build first")
    return pd.concat(parts, ignore_index=True)


def with_aliases(registry: pd.DataFrame) -> pd.DataFrame:
    """The registry rows with their current alias (champion, challenger or None)."""
    current = aliases.current_aliases(registry)
    return registry.merge(current, on=["model_name", "model_version"], how="left")


@dataclass(frozen=True)
class Promotion:
    model_name: str
    model_version: int
    previous_champion_version: int | None
    promoted_at: datetime
    promoted_by: str
    reason: str
    registry_table: str
    changed: bool
    mlflow: str = ""
    #: What became of the published snapshot, in a sentence (empty when nothing changed).
    snapshot: str = ""


def tracking_uri(con: duckdb.DuckDBPyConnection) -> str | None:
    """$MLFLOW_TRACKING_URI, else the last build's var mlflow_tracking_uri (None: no MLflow)."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    try:
        table = con.execute("select * from ml.build_settings").df()
    except duckdb.CatalogException:
        return None
    return settings_of(table, "ml").get("mlflow_tracking_uri") or None


def model_prefix(con: duckdb.DuckDBPyConnection) -> str:
    """The last build's var mlflow_model_prefix: what the MLflow names of its models start
    with ('' when none)."""
    try:
        table = con.execute("select * from ml.build_settings").df()
    except duckdb.CatalogException:
        return ""
    return settings_of(table, "ml").get("mlflow_model_prefix") or ""


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every ``schema.table`` of the warehouse (tables and views)."""
    rows = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    return {f"{schema}.{name}" for schema, name in rows}


def refresh_alias_marts(
    con: duckdb.DuckDBPyConnection, registry: pd.DataFrame, model_name: str
) -> list[str]:
    """Set the alias columns of ``model_name``'s rows in the marts that show them to what
    ``ml.model_registry`` computes from ``registry`` (the registry rows, promotion included;
    :mod:`revenue_ml.ml.champion` is its tested twin). The marts that exist are updated and
    returned; a later build rebuilds them with the same values."""
    rows = registry[registry["model_name"] == model_name].reset_index(drop=True)
    frame = rows[["model_name", "model_version", "promoted_at"]].merge(
        aliases.current_aliases(rows), on=["model_name", "model_version"], how="left"
    )
    frame["champion_since"] = aliases.champion_since(rows).to_numpy()
    frame["is_champion"] = (frame["alias"] == aliases.CHAMPION).to_numpy(dtype=bool)
    frame["model_version"] = frame["model_version"].astype("int64")
    existing = table_names(con)
    updated = []
    con.register("promotion_aliases", frame)
    try:
        key = "t.model_name = a.model_name and t.model_version = a.model_version"
        if REGISTRY_MART in existing:
            con.execute(
                f"update {REGISTRY_MART} as t set alias = a.alias, is_champion = a.is_champion, "
                "promoted_at = a.promoted_at, champion_since = a.champion_since "
                f"from promotion_aliases as a where {key}"
            )
            updated.append(REGISTRY_MART)
        if METRICS_MART in existing:
            con.execute(
                f"update {METRICS_MART} as t set is_champion = a.is_champion "
                f"from promotion_aliases as a where {key}"
            )
            updated.append(METRICS_MART)
    finally:
        con.unregister("promotion_aliases")
    return updated


def _registry_keys(frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame[["model_name", "model_version", "training_fingerprint", "trained_at"]].copy()
    keys["model_version"] = keys["model_version"].astype("int64")
    keys["trained_at"] = pd.to_datetime(keys["trained_at"]).astype("datetime64[us]")
    return keys.drop_duplicates()


def publish_promotion(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    tables: list[str],
    registry: pd.DataFrame,
    registry_table: str,
    reason: str,
) -> str:
    """Republish the newest snapshot under ``root`` with ``tables`` taken from the warehouse
    again (:func:`revenue_ml.snapshot.republish`), when that snapshot came from this warehouse;
    a sentence saying what happened. ``registry`` holds the warehouse's rows of
    ``registry_table``. Never raises: the promotion is already committed."""
    try:
        newest = snapshots.latest_snapshot(root)
        if newest is None:
            return (
                f"no snapshot published under {root}: nothing to update (the next dbt build "
                f"publishes one with the new champion; --snapshot DIR names another folder)"
            )
        if snapshots.read_status(root).status == "building":
            return (
                f"snapshot {newest.snapshot_id} under {root} not updated: a build is publishing "
                f"into that folder (the build publishes the new champion)"
            )
        if registry_table not in newest.tables:
            return (
                f"snapshot {newest.snapshot_id} under {root} not updated: it has no "
                f"{registry_table} (an older build); the next dbt build publishes the new champion"
            )
        published = _registry_keys(pd.read_parquet(newest.path / f"{registry_table}.parquet"))
        unknown = published.merge(_registry_keys(registry), how="left", indicator=True)
        if (unknown["_merge"] != "both").any():
            return (
                f"snapshot {newest.snapshot_id} under {root} not updated: its {registry_table} "
                f"holds versions this warehouse does not (another warehouse's snapshot?); name the "
                f"folder this warehouse's builds publish into with --snapshot DIR"
            )
        info = snapshots.republish(root, con, tables, reason)
        snapshots.prune_snapshots(root)
        return (
            f"snapshot {info.snapshot_id} published under {root} (snapshot {newest.snapshot_id} "
            f"with {', '.join(tables)} from the warehouse)"
        )
    except Exception as err:  # noqa: BLE001 - the warehouse holds the promotion whatever happens
        return (
            f"warning: the snapshot under {root} was not updated ({type(err).__name__}: {err}); "
            f"a service reading it keeps the previous champion until the next dbt build"
        )


def promote(
    warehouse: Path,
    model_name: str,
    version: int,
    reason: str,
    by: str | None = None,
    now: datetime | None = None,
    snapshot: Path | None = None,
) -> Promotion:
    """Make ``model_name`` v``version`` the champion, with an audit row, and publish it to the
    snapshot under ``snapshot`` (default :func:`revenue_ml.snapshot.published_root` of the
    warehouse); see the module."""
    if not reason or not reason.strip():
        raise RegistryError("give the reason for the promotion with --reason (it is audited)")
    by = by or getpass.getuser()
    now = now or datetime.now(UTC).replace(tzinfo=None)
    con = connect(warehouse, read_only=False)
    try:
        registry = read_registry(con)
        rows = registry[registry["model_name"] == model_name]
        if rows.empty:
            known = ", ".join(sorted(registry["model_name"].unique()))
            raise RegistryError(f"no registered model {model_name!r}; known models: {known}")
        chosen = rows[rows["model_version"] == version]
        if chosen.empty:
            versions = ", ".join(str(v) for v in sorted(rows["model_version"]))
            raise RegistryError(f"{model_name} has no version {version}; its versions: {versions}")
        row = chosen.iloc[0]
        if not bool(row["passed_gate"]):
            raise RegistryError(
                f"{model_name} v{version} did not pass its quality gate ({row['primary_metric']} "
                f"{row['primary_metric_value']:.4f} < floor {row['quality_floor']}); only a "
                f"passing version can score"
            )
        if "promoted_at" not in rows.columns:
            raise RegistryError(
                f"{row['registry_table']} has no promoted_at column (built before aliases "
                f"existed); run dbt build first"
            )
        current = aliases.current_champion(rows, model_name)
        previous = None if current is None else int(current["model_version"])
        table = str(row["registry_table"])
        if previous == version:
            return Promotion(model_name, version, previous, now, by, reason, table, False)
        con.execute("begin transaction")
        con.execute(
            f"update {table} set promoted_at = ? where model_name = ? and model_version = ?",
            [now, model_name, version],
        )
        con.execute(
            f"insert into {PROMOTIONS} (promoted_at, model_name, model_version, "
            "previous_champion_version, promoted_by, reason, registry_table) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [now, model_name, version, previous, by, reason.strip(), table],
        )
        updated = read_registry(con)
        marts = refresh_alias_marts(con, updated, model_name)
        con.execute("commit")
        uri = tracking_uri(con)
        prefix = model_prefix(con)
        # still holding the warehouse: no build can publish a snapshot meanwhile
        published = publish_promotion(
            con,
            snapshot or snapshots.published_root(warehouse),
            [table, PROMOTIONS, *marts],
            updated[updated["registry_table"] == table],
            table,
            f"promotion of {model_name} v{version}",
        )
    except duckdb.CatalogException as err:
        raise RegistryError(f"{err}; run dbt build first (it creates {PROMOTIONS})") from None
    finally:
        con.close()
    mlflow = ""
    if uri:
        mlflow = _mirror(uri, model_name, updated, prefix)
    return Promotion(model_name, version, previous, now, by, reason, table, True, mlflow, published)


def _mirror(uri: str, model_name: str, registry: pd.DataFrame, prefix: str = "") -> str:
    """Point the MLflow aliases at the new champion; a sentence saying what happened."""
    try:
        from revenue_ml.ml import tracking

        done = tracking.mirror_promotion(uri, model_name, registry, prefix)
    except Exception as err:  # noqa: BLE001 - MLflow is a mirror: never undo the promotion
        return f"warning: MLflow aliases not updated ({type(err).__name__}: {err})"
    if not done:
        return f"MLflow: {model_name} has no version logged in {uri}; aliases unchanged"
    return "MLflow aliases: " + "; ".join(
        f"{a} -> MLflow version {v}" if v else f"{a} removed (its version was never logged)"
        for a, v in done.items()
    )


def _print_aliases(frame: pd.DataFrame, model: str | None) -> None:
    shown = frame if model is None else frame[frame["model_name"] == model]
    if shown.empty:
        print("no registered version" + (f" of {model}" if model else ""))
        return
    columns = [
        "model_name",
        "model_version",
        "alias",
        "registered_alias",
        "passed_gate",
        "primary_metric",
        "primary_metric_value",
        "trained_at",
        "promoted_at",
    ]
    shown = shown.reindex(columns=columns).sort_values(["model_name", "model_version"])
    with pd.option_context("display.max_rows", None, "display.width", 160):
        print(shown.to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    if given[:1] in (["card"], ["cards"]):  # the model cards live with governance
        from revenue_ml.governance.__main__ import main as cards_main

        return cards_main(given)
    parser = argparse.ArgumentParser(
        prog="python -m revenue_ml.registry",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("aliases", help="every registered version and its alias")
    show.add_argument("--model", default=None, help="only this model")
    show.add_argument("--warehouse", type=Path, default=None)
    commands.add_parser("card", help="print a version's model card (see above)")
    commands.add_parser("cards", help="list the versions that have a model card")
    up = commands.add_parser("promote", help="make a version the champion (audited)")
    up.add_argument("model")
    up.add_argument("version", type=int)
    up.add_argument("--reason", required=True, help="why (stored in the audit row)")
    up.add_argument("--by", default=None, help="who (default: the operating-system user)")
    up.add_argument("--warehouse", type=Path, default=None)
    up.add_argument(
        "--snapshot",
        type=Path,
        default=None,
        help="the folder the warehouse's builds publish their snapshot into, updated with the "
        "promotion (default: $REVENUE_ML_DASHBOARD_SNAPSHOT, else "
        "target/dashboard_snapshot/<warehouse stem>)",
    )
    args = parser.parse_args(given)
    warehouse = args.warehouse or default_warehouse()
    try:
        if args.command == "aliases":
            con = connect(warehouse, read_only=True)
            try:
                _print_aliases(with_aliases(read_registry(con)), args.model)
            finally:
                con.close()
            return 0
        done = promote(
            warehouse, args.model, args.version, args.reason, args.by, snapshot=args.snapshot
        )
    except RegistryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not done.changed:
        print(f"{done.model_name} v{done.model_version} is already the champion; nothing changed")
        return 0
    was = "none" if done.previous_champion_version is None else f"v{done.previous_champion_version}"
    print(
        f"{done.model_name} v{done.model_version} is now the champion (was {was}); audit row "
        f"in {PROMOTIONS} ({done.promoted_by}, {done.promoted_at:%Y-%m-%d %H:%M:%S} UTC)."
    )
    print(f"Snapshot: {done.snapshot}.")
    print(
        "Next: a running scoring service serves it after POST /reload (or SIGHUP); dbt build "
        "rescores the marts with it."
    )
    if done.mlflow:
        print(done.mlflow)
    return 0


if __name__ == "__main__":
    sys.exit(main())

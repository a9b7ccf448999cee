"""Reading the dashboard's published snapshot (no Streamlit here, so pytest can reach it).

`dbt build` publishes the marts the dashboard reads as Parquet (macros/dashboard/; the layout
and the status file are read by :mod:`revenue_ml.snapshot`).

The app never opens the DuckDB warehouse (a reader would block the next `dbt build`): it
queries the newest complete snapshot with an in-memory DuckDB whose views keep the warehouse's
names (`sales.offer_scores`), so the SQL here reads like SQL against the warehouse.

Figures come from the marts as they are: the functions below select, filter and sum what the
marts hold; they never re-derive a model output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from revenue_ml.snapshot import (  # noqa: F401  (re-exported for the pages and tests)
    DEFAULT_SNAPSHOT_DIR,
    INTERRUPTED,
    KEEP_SNAPSHOTS,
    MARKER,
    OWNER_MARKER,
    REPO_ROOT,
    SNAPSHOT_ENV,
    BuildStatus,
    SnapshotInfo,
    latest_snapshot,
    list_snapshots,
    process_is_running,
    prune_snapshots,
    read_status,
    snapshot_root,
    written_by_this_project,
)


def format_time(value: str | None) -> str:
    """'2026-01-02 03:04:05.678' -> '2026-01-02 03:04 UTC' (the hooks write UTC)."""
    if not value:
        return "unknown time"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


@dataclass
class Snapshot:
    """One published snapshot, queried with an in-memory DuckDB (views over its Parquet)."""

    info: SnapshotInfo
    con: duckdb.DuckDBPyConnection = field(repr=False)

    @classmethod
    def open(cls, info: SnapshotInfo) -> Snapshot:
        con = duckdb.connect(":memory:")
        for name in info.tables:
            schema, table = name.split(".", 1)
            path = info.path / f"{name}.parquet"
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create view "{schema}"."{table}" as select * from read_parquet(\'{path}\')'
            )
        return cls(info, con)

    @property
    def snapshot_id(self) -> str:
        return self.info.snapshot_id

    def has(self, *tables: str) -> bool:
        return all(t in self.info.tables for t in tables)

    def tables_like(self, pattern: str) -> list[str]:
        return [t for t in self.info.tables if re.search(pattern, t)]

    def columns(self, table: str) -> list[str]:
        return list(self.df(f"select * from {table} limit 0").columns) if self.has(table) else []

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        # A cursor per query: Streamlit serves sessions from several threads.
        cur = self.con.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def scalar(self, sql: str, params: list | None = None):
        frame = self.df(sql, params)
        return None if frame.empty else frame.iat[0, 0]


def pick(columns: list[str], *candidates: str) -> str | None:
    """The first candidate present in ``columns`` (marts built by other domains may name a
    column slightly differently; the pages adapt instead of failing)."""
    lowered = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    return None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- Sales pipeline -------------------------------------------------------------------------

SALES_TABLES = ("sales.offer_scores", "sales.offer_score_summary")
OFFER_STATES = {"All offers": None, "Open": "open", "Closed": "closed"}


def _sales_where(
    use_cases: list[str] | None, sources: list[str] | None, state: str | None, *, scores: bool
) -> tuple[str, list]:
    # offer_score_summary labels missing values 'Unknown' / 'No lead'; filter the scores the
    # same way so the KPIs and the table always agree.
    use_case = "coalesce(use_case, 'Unknown')" if scores else "use_case"
    source = "coalesce(lead_source, 'No lead')" if scores else "lead_source"
    offer_state = "case when is_closed then 'closed' else 'open' end" if scores else "offer_state"
    clauses, params = ["true"], []
    if use_cases:
        clauses.append(f"{use_case} in (select unnest(?))")
        params.append(list(use_cases))
    if sources:
        clauses.append(f"{source} in (select unnest(?))")
        params.append(list(sources))
    if state:
        clauses.append(f"{offer_state} = ?")
        params.append(state)
    return " and ".join(clauses), params


def sales_filter_options(snap: Snapshot) -> dict[str, list[str]]:
    summary = snap.df("select distinct use_case, lead_source from sales.offer_score_summary")
    return {
        "use_case": sorted(summary["use_case"].dropna().unique().tolist()),
        "lead_source": sorted(summary["lead_source"].dropna().unique().tolist()),
    }


def sales_summary(
    snap: Snapshot,
    use_cases: list[str] | None = None,
    sources: list[str] | None = None,
    state: str | None = None,
) -> dict[str, int]:
    """Offers, predicted wins (positive predictions) and losses from `offer_score_summary`."""
    where, params = _sales_where(use_cases, sources, state, scores=False)
    row = snap.df(
        "select coalesce(sum(offers), 0) as offers, coalesce(sum(predicted_wins), 0) as wins, "
        "coalesce(sum(predicted_losses), 0) as losses "
        f"from sales.offer_score_summary where {where}",
        params,
    ).iloc[0]
    return {
        "offers": int(row["offers"]),
        "predicted_wins": int(row["wins"]),
        "predicted_losses": int(row["losses"]),
    }


def sales_scores(
    snap: Snapshot,
    use_cases: list[str] | None = None,
    sources: list[str] | None = None,
    state: str | None = None,
) -> pd.DataFrame:
    """The scored offers (most likely to close first), filtered like the summary."""
    where, params = _sales_where(use_cases, sources, state, scores=True)
    return snap.df(
        "select offer_id, status, use_case, lead_source, probability, predicted_label, "
        "top_feature, top_feature_contribution, model_name, model_version, variant, scored_at "
        f"from sales.offer_scores where {where} order by probability desc, offer_id",
        params,
    )


def scoring_versions(snap: Snapshot, table: str) -> pd.DataFrame:
    """The model versions a scoring mart was scored with (model_name, model_version)."""
    cols = snap.columns(table)
    if not {"model_name", "model_version"} <= set(cols):
        return pd.DataFrame(columns=["model_name", "model_version"])
    return snap.df(f"select distinct model_name, model_version from {table} order by all")


def feature_importance(snap: Snapshot, versions: pd.DataFrame) -> pd.DataFrame:
    """`ml.model_feature_importance` rows of the given model versions."""
    if versions.empty or not snap.has("ml.model_feature_importance"):
        return pd.DataFrame()
    ids = [f"{n}@v{int(v)}" for n, v in versions[["model_name", "model_version"]].to_numpy()]
    return snap.df(
        "select model_name, model_version, model_family, feature, gain, mean_abs_contribution, "
        "importance_rank from ml.model_feature_importance "
        "where model_version_id in (select unnest(?)) order by model_name, importance_rank",
        [ids],
    )


def model_metrics(snap: Snapshot, versions: pd.DataFrame) -> pd.DataFrame:
    """Headline metrics (all folds) of the given versions from `ml.model_evaluation`, wide."""
    if versions.empty or not snap.has("ml.model_evaluation"):
        return pd.DataFrame()
    ids = [f"{n}@v{int(v)}" for n, v in versions[["model_name", "model_version"]].to_numpy()]
    long = snap.df(
        "select model_version_id, evaluation, metric, metric_value from ml.model_evaluation "
        "where fold = 'all' and model_version_id in (select unnest(?))",
        [ids],
    )
    if long.empty:
        return long
    wide = long.pivot_table(
        index=["model_version_id", "evaluation"],
        columns="metric",
        values="metric_value",
        aggfunc="first",
    ).reset_index()
    wide.columns.name = None
    keep = [
        "model_version_id",
        "evaluation",
        "rows",
        "auc",
        "precision",
        "recall",
        "f1",
        "accuracy",
        "threshold",
        "brier",
        "log_loss",
    ]
    return wide[[c for c in keep if c in wide.columns]]


# --- Churn ----------------------------------------------------------------------------------

CHURN_TABLE = "churn.churn_scores"


def churn_summary(snap: Snapshot) -> dict[str, int]:
    row = snap.df(
        f"select count(*) as customers, coalesce(sum(predicted_label), 0) as at_risk "
        f"from {CHURN_TABLE}"
    ).iloc[0]
    return {"customers": int(row["customers"]), "at_risk": int(row["at_risk"])}


def churn_at_risk(snap: Snapshot) -> pd.DataFrame:
    """Customers predicted to churn, most likely first."""
    return snap.df(
        f"select * from {CHURN_TABLE} where predicted_label = 1 order by probability desc"
    )


# --- Campaign -------------------------------------------------------------------------------

CAMPAIGN_SCORES = "campaign.campaign_scores"
CAMPAIGN_OBJECTIVES = "campaign.campaign_objectives"
CAMPAIGN_PROFILES = "campaign.campaign_segment_profiles"


def campaign_objective_column(snap: Snapshot) -> str | None:
    return pick(
        snap.columns(CAMPAIGN_OBJECTIVES), "objective", "business_objective", "objective_name"
    )


def campaign_objectives(snap: Snapshot) -> pd.DataFrame:
    """The objectives in the seed's display order (aggressive capture first)."""
    order = "order by display_order" if "display_order" in snap.columns(CAMPAIGN_OBJECTIVES) else ""
    return snap.df(f"select * from {CAMPAIGN_OBJECTIVES} {order}")


def campaign_contacts(snap: Snapshot, objective: str) -> pd.DataFrame:
    """Customers to contact under ``objective`` (``campaign_contacts``), most likely first."""
    return snap.df(
        f"select scores.* from {CAMPAIGN_SCORES} as scores "
        "join campaign.campaign_contacts as contacts using (customer_id) "
        "where contacts.objective = ? and contacts.is_contacted "
        "order by scores.probability desc, scores.customer_id",
        [objective],
    )


def campaign_model_record(snap: Snapshot) -> dict | None:
    """The registry row of the model campaign_scores was scored with (from the snapshot)."""
    versions = scoring_versions(snap, CAMPAIGN_SCORES)
    if versions.empty or not snap.has("ml.model_registry"):
        return None
    name, version = versions.iloc[-1]["model_name"], int(versions.iloc[-1]["model_version"])
    rows = snap.df(
        "select * from ml.model_registry where model_name = ? and model_version = ?",
        [name, version],
    )
    return None if rows.empty else rows.iloc[0].to_dict()


def score_one(record: dict, values: dict) -> dict:
    """Score one hand-entered customer with a registered model, with the package's own scoring
    code (the same function the scoring mart used)."""
    from revenue_ml.ml import binary
    from revenue_ml.ml.lifecycle import score

    key = "customer_id"
    base = binary.BinarySpec(
        name=record["model_name"],
        domain=str(record.get("domain")),
        variant=str(record.get("variant")),
        key=key,
        target="_target",
        numeric=[],
    )
    frame = pd.DataFrame([{key: "form", **values}])
    out = score(frame, record, base).iloc[0]
    return {
        "probability": float(out["probability"]),
        "predicted_label": int(out["predicted_label"]),
        "threshold": float(out["threshold"]),
        "top_feature": out["top_feature"],
    }


# --- Insiders (e-commerce clustering) --------------------------------------------------------

INSIDERS_TABLES = (
    "ecommerce.customer_segments",
    "ecommerce.segment_profiles",
    "ecommerce.insiders_report",
)


def map_columns(columns: list[str]) -> tuple[str, str] | None:
    """The two embedding columns of the 2-D customer map."""
    for x, y in (
        ("umap_x", "umap_y"),
        ("map_x", "map_y"),
        ("embedding_x", "embedding_y"),
        ("x", "y"),
        ("component_1", "component_2"),
        ("pc1", "pc2"),
        ("dim_1", "dim_2"),
        ("tsne_x", "tsne_y"),
        ("embedding_1", "embedding_2"),
    ):
        px, py = pick(columns, x), pick(columns, y)
        if px and py:
            return px, py
    return None


# --- Enrollment -----------------------------------------------------------------------------

ENROLLMENT_FORECAST = "enrollment.enrollment_forecast"
ENROLLMENT_AT_RISK = "enrollment.enrollment_classes_at_risk"
# Active students per period and class: the forecast's target, as history.
ENROLLMENT_HISTORY = "intermediate.int_enrollment__class_periods"
CLASS_KEYS = ("sede", "curso_actual", "horario_actual")


def enrollment_history(snap: Snapshot, filters: dict[str, str | None]) -> pd.DataFrame:
    """Active students per period for the selected site / course / schedule (None = all)."""
    clauses, params = ["true"], []
    for col, value in filters.items():
        if value is not None:
            clauses.append(f"{quote(col)}::varchar = ?")
            params.append(value)
    return snap.df(
        "select periodo, sum(active_students) as active_students "
        f"from {ENROLLMENT_HISTORY} where {' and '.join(clauses)} group by all order by periodo",
        params,
    )


def class_options(snap: Snapshot, table: str, col: str) -> list[str]:
    if col not in snap.columns(table):
        return []
    return [
        str(v)
        for v in snap.df(
            f"select distinct {quote(col)} as v from {table} where v is not null order by 1"
        )["v"]
    ]


def filtered(snap: Snapshot, table: str, filters: dict[str, str | None]) -> pd.DataFrame:
    cols = snap.columns(table)
    clauses, params = ["true"], []
    for col, value in filters.items():
        if value is not None and col in cols:
            clauses.append(f"{quote(col)}::varchar = ?")
            params.append(value)
    return snap.df(f"select * from {table} where {' and '.join(clauses)}", params)


# --- Model health ---------------------------------------------------------------------------


def registry(snap: Snapshot) -> pd.DataFrame:
    wanted = [
        "model_version_id",
        "domain",
        "variant",
        "model_family",
        "trained_at",
        "training_rows",
        "primary_metric",
        "primary_metric_value",
        "quality_floor",
        "passed_gate",
        "retrain_reason",
        "is_latest_version",
    ]
    cols = [c for c in wanted if c in snap.columns("ml.model_registry")]
    return snap.df(
        f"select {', '.join(cols)} from ml.model_registry order by domain, model_version_id"
    )


def run_history(snap: Snapshot) -> pd.DataFrame:
    return snap.df("select * from ml.model_run_history order by run_started_at, model_name")


def drift(snap: Snapshot) -> pd.DataFrame:
    """Every `*_feature_drift` mart, stacked (one per scored domain)."""
    parts = []
    for table in snap.tables_like(r"^marts\..*_feature_drift$"):
        frame = snap.df(f"select * from {table}")
        frame.insert(0, "drift_mart", table.split(".", 1)[1])
        parts.append(frame)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def rejects_by_source(snap: Snapshot) -> pd.DataFrame:
    return snap.df(
        "select source_name, table_name, reject_reason, rejected_rows "
        "from quality.rejected_rows_by_reason order by source_name, rejected_rows desc"
    )


def row_accounting(snap: Snapshot) -> pd.DataFrame:
    return snap.df("select * from quality.raw_row_accounting order by source_name, table_name")

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

import os
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


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def where(filters: dict[str, list[str] | str | None]) -> tuple[str, list]:
    """``col in (...)`` / ``col = ?`` clauses for the non-empty filters (all = no clause)."""
    clauses, params = ["true"], []
    for col, value in filters.items():
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            clauses.append(f"{quote(col)}::varchar in (select unnest(?))")
        else:
            clauses.append(f"{quote(col)}::varchar = ?")
        params.append(value)
    return " and ".join(clauses), params


def options(snap: Snapshot, table: str, col: str, sql_filter: str = "true") -> list[str]:
    """Distinct non-null values of a column, sorted (a filter's choices)."""
    return [
        str(v)
        for v in snap.df(
            f"select distinct {quote(col)}::varchar as v from {table} "
            f"where {quote(col)} is not null and {sql_filter} order by 1"
        )["v"]
    ]


def currency(snap: Snapshot, domain: str) -> str:
    """The symbol money of ``domain`` is shown with (var ``<domain>_currency``)."""
    if not snap.has(BUILD_SETTINGS):
        return ""
    value = snap.scalar(
        f"select setting_value from {BUILD_SETTINGS} where domain = ? and setting = 'currency'",
        [domain],
    )
    return "" if value is None else str(value)


BUILD_SETTINGS = "ml.build_settings"
DOMAIN_STATUS = "quality.domain_status"
PII_COLUMNS = "quality.pii_columns"
#: Set to 1 to show the columns that describe a person (tagged `pii: true` in the models' YAML).
SHOW_PII_ENV = "REVENUE_ML_SHOW_PII"


def show_pii() -> bool:
    return os.environ.get(SHOW_PII_ENV, "").strip().lower() in ("1", "true", "yes")


def personal_columns(snap: Snapshot) -> frozenset[str]:
    """Names of the columns tagged as personal data (quality.pii_columns), whatever their
    table: a page hides a column of that name unless REVENUE_ML_SHOW_PII=1. A snapshot from
    before the tags hides nothing it does not know about."""
    if not snap.has(PII_COLUMNS):
        return frozenset()
    return frozenset(snap.df(f"select distinct column_name from {PII_COLUMNS}")["column_name"])


def domain_status(snap: Snapshot, domain: str | None = None) -> pd.DataFrame:
    """quality.domain_status rows that a reader must know about: a domain whose marts are not
    the latest build's (stale, failed) or whose raw files are getting old (freshness warn);
    one domain's, or every domain's. Empty when the snapshot has no such table."""
    if not snap.has(DOMAIN_STATUS):
        return pd.DataFrame(columns=["domain", "status", "reason", "freshness"])
    return snap.df(
        f"select * from {DOMAIN_STATUS} "
        "where (status <> 'ok' or freshness = 'warn') and (? is null or domain = ?) "
        "order by domain",
        [domain, domain],
    )


def feature_importance(
    snap: Snapshot, domain: str, model_name: str, model_version: int
) -> pd.DataFrame:
    """Mean |contribution| per feature of one model version, largest first; ``feature`` in
    words (the domain's labels)."""
    if not snap.has("ml.model_feature_importance"):
        return pd.DataFrame(columns=["feature", "mean_abs_contribution"])
    frame = snap.df(
        "select feature, mean_abs_contribution from ml.model_feature_importance "
        "where model_name = ? and model_version = ? order by importance_rank",
        [model_name, int(model_version)],
    )
    frame["feature"] = frame["feature"].map(lambda f: feature_words(domain, f))
    return frame


def feature_words(domain: str, feature: str) -> str:
    """A model feature as people read it (the domain's labels, else the name in words)."""
    import importlib

    labels = getattr(importlib.import_module(f"revenue_ml.domains.{domain}"), "LABELS", {})
    label = labels.get(feature)
    text = label.label if label else feature.replace("_", " ")
    return text[:1].upper() + text[1:]


# --- Sales pipeline -------------------------------------------------------------------------

OPEN_OFFERS = "sales.open_offers"


def open_offers(
    snap: Snapshot, filters: dict, search: str = "", likely_dead: bool | None = None
) -> pd.DataFrame:
    """Open offers matching the filters: the worklist (``likely_dead=False``, most expected
    value first), the likely dead (``True``, largest price first) or both (worklist first)."""
    clause, params = where(filters)
    if search:
        clause += " and offer_id ilike ?"
        params.append(f"%{search}%")
    if likely_dead is not None:
        clause += " and is_likely_dead = ?"
        params.append(likely_dead)
    return snap.df(
        f"select * from {OPEN_OFFERS} where {clause} order by is_likely_dead, list_rank", params
    )


def metrics(snap: Snapshot, model_name: str, model_version: int, evaluation: str) -> dict | None:
    """One model version's headline metrics on one evaluation (``model_metrics``)."""
    rows = snap.df(
        f"select * from {MODEL_METRICS} where model_name = ? and model_version = ? "
        "and evaluation = ?",
        [model_name, int(model_version), evaluation],
    )
    return None if rows.empty else rows.iloc[0].to_dict()


def threshold_tradeoff(
    snap: Snapshot,
    model_name: str,
    model_version: int,
    evaluation: str,
    threshold: float,
    levels: tuple[float, ...],
    scored_list: str,
) -> pd.DataFrame:
    """What calling everyone above each line would do: the model's threshold, then each of
    ``levels`` below it. Per line: the share of positives caught (recall) and the share of
    those flagged that are positive (precision) on the evaluation's held-out rows (its ROC
    curve and positive rate, ``model_curves`` / ``model_metrics``), and the rows of
    ``scored_list`` (probability column ``churn_probability``) above it today, with their
    revenue at risk."""
    tested = metrics(snap, model_name, model_version, evaluation)
    if not tested or not snap.has("ml.model_curves"):
        return pd.DataFrame()
    curve = snap.df(
        "select x_value as fpr, y_value as tpr, threshold from ml.model_curves "
        "where model_name = ? and model_version = ? and evaluation = ? and curve = 'roc' "
        "order by threshold desc",
        [model_name, int(model_version), evaluation],
    )
    if curve.empty:
        return pd.DataFrame()
    positives = float(tested["positive_rate"])
    rows = []
    for level in (threshold, *[v for v in levels if v < threshold]):
        # the last curve point still flagging only probabilities >= the line
        above = curve[curve["threshold"] >= level]
        point = above.iloc[-1] if len(above) else curve.iloc[0]
        flagged = point["tpr"] * positives + point["fpr"] * (1 - positives)
        listed = snap.df(
            f"select count(*) n, coalesce(sum(revenue_at_risk), 0) v from {scored_list} "
            "where churn_probability >= ?",
            [float(level)],
        )
        rows.append(
            {
                "level": float(level),
                "line": f"{100 * level:.0f}%" + (" (the threshold)" if level == threshold else ""),
                "recall": float(point["tpr"]),
                "precision": float(point["tpr"] * positives / flagged) if flagged else None,
                "active_customers": int(listed["n"][0]),
                "revenue_at_risk": float(listed["v"][0]),
            }
        )
    return pd.DataFrame(rows)


# --- Churn ----------------------------------------------------------------------------------

CHURN_RISK = "churn.churn_risk_list"


def churn_list(snap: Snapshot, filters: dict, at_risk_only: bool, search: str = "") -> pd.DataFrame:
    clause, params = where(filters)
    if at_risk_only:
        clause += " and is_at_risk"
    if search:
        clause += " and customer_key ilike ?"
        params.append(f"%{search}%")
    return snap.df(f"select * from {CHURN_RISK} where {clause} order by risk_rank", params)


# --- Campaign -------------------------------------------------------------------------------

CAMPAIGN_PLAN = "campaign.campaign_plan"
CAMPAIGN_CONTACTS = "campaign.campaign_contacts"
CAMPAIGN_PROFILES = "campaign.campaign_segment_profiles"


def campaign_plan(snap: Snapshot) -> pd.DataFrame:
    return snap.df(f"select * from {CAMPAIGN_PLAN} order by display_order")


def campaign_targets(snap: Snapshot, objective: str, filters: dict, search: str = ""):
    """The objective's contact list (contacted customers), most likely responder first."""
    clause, params = where(filters)
    if search:
        clause += " and customer_id::varchar like ?"
        params.append(f"%{search}%")
    return snap.df(
        f"select * from {CAMPAIGN_CONTACTS} where objective = ? and is_contacted and {clause} "
        "order by contact_rank",
        [objective, *params],
    )


# --- Insiders (e-commerce loyalty) ----------------------------------------------------------

INSIDERS_TABLES = (
    "ecommerce.customer_segments",
    "ecommerce.segment_profiles",
    "ecommerce.insiders_report",
)


def insiders(snap: Snapshot, filters: dict, search: str = "") -> pd.DataFrame:
    """The eligible customers, most revenue first."""
    clause, params = where(filters)
    if search:
        clause += " and customer_id::varchar like ?"
        params.append(f"%{search}%")
    return snap.df(
        "select * from ecommerce.customer_segments "
        f"where is_insider and {clause} order by revenue desc, customer_id",
        params,
    )


# --- Enrollment -----------------------------------------------------------------------------

ENROLLMENT_FORECAST = "enrollment.enrollment_forecast"
ENROLLMENT_AT_RISK = "enrollment.enrollment_classes_at_risk"
ENROLLMENT_BACKTEST = "enrollment.enrollment_backtest_metrics"
ENROLLMENT_TOTAL = "enrollment.enrollment_forecast_total"
# Active students per period and class: the forecast's target, as history.
ENROLLMENT_HISTORY = "intermediate.int_enrollment__class_periods"
CLASS_KEYS = ("sede", "curso_actual", "horario_actual")


def enrollment_history(snap: Snapshot, filters: dict) -> pd.DataFrame:
    """Active students per period for the selected sites / courses / schedules."""
    clause, params = where(filters)
    return snap.df(
        "select periodo, sum(active_students) as active_students "
        f"from {ENROLLMENT_HISTORY} where {clause} group by all order by periodo",
        params,
    )


def filtered(snap: Snapshot, table: str, filters: dict, order: str = "all") -> pd.DataFrame:
    clause, params = where(filters)
    return snap.df(f"select * from {table} where {clause} order by {order}", params)


# --- Model health ---------------------------------------------------------------------------

REGISTRY = "ml.model_registry"


PROMOTIONS = "ml.model_promotions"


def registry(snap: Snapshot) -> pd.DataFrame:
    """Every registered version with its alias (champion / challenger / none)."""
    return snap.df(
        "select model_name, model_version, domain, variant, model_family, trained_at, "
        "training_rows, primary_metric, primary_metric_value, quality_floor, passed_gate, "
        "retrain_reason, is_latest_version, alias, is_champion, alias_reason, promoted_at "
        f"from {REGISTRY} order by domain, model_name, model_version"
    )


def promotions(snap: Snapshot) -> pd.DataFrame:
    """The manual promotions, newest first (empty when none, or not published)."""
    if not snap.has(PROMOTIONS):
        return pd.DataFrame()
    return snap.df(f"select * from {PROMOTIONS} order by promoted_at desc")


MODEL_METRICS = "ml.model_metrics"
SCORECARD = "ml.model_scorecard"


def scorecard(snap: Snapshot) -> pd.DataFrame:
    """Every model's champion: headline figure with its protocol, baseline and who scores."""
    return snap.df(f"select * from {SCORECARD} order by domain, model_name")


MODEL_DRIFT = "ml.model_feature_drift"


def latest_metrics(snap: Snapshot) -> pd.DataFrame:
    """Headline metrics of every model's champion, the version that scores (``model_metrics``,
    wide)."""
    return snap.df(
        f"select * from {MODEL_METRICS} where is_champion order by domain, model_name, evaluation"
    )


def drift(snap: Snapshot) -> pd.DataFrame:
    """Every scoring model's drift rows (``model_feature_drift``)."""
    return snap.df(f"select * from {MODEL_DRIFT} order by is_drifted desc, psi desc, model_name")


def row_accounting(snap: Snapshot) -> pd.DataFrame:
    return snap.df("select * from quality.raw_row_accounting order by source_name, table_name")


def rejects_by_source(snap: Snapshot) -> pd.DataFrame:
    return snap.df(
        "select source_name, table_name, reject_reason, rejected_rows "
        "from quality.rejected_rows_by_reason order by source_name, rejected_rows desc"
    )


# --- Track record and alerts (issue 22) ---------------------------------------------------------

ALERTS = "ml.model_alerts"
TRACK_RECORD = "ml.model_track_record"
OUTCOMES = "ml.prediction_outcomes"


def open_alerts(snap: Snapshot, domain: str | None = None) -> pd.DataFrame:
    """The alerts this build still fires, errors first, newest first; one domain's or all."""
    if not snap.has(ALERTS):
        return pd.DataFrame(columns=["rule_id", "severity", "message", "domain", "first_seen_at"])
    return snap.df(
        f"select * from {ALERTS} where still_firing and (? is null or domain = ?) "
        "order by severity = 'error' desc, first_seen_at desc, alert_key",
        [domain, domain],
    )


def track_record(snap: Snapshot) -> pd.DataFrame:
    """Every model's track record (long form), by model, context, date and metric."""
    return snap.df(
        f"select * from {TRACK_RECORD} "
        "order by model_name, model_version, decision_context, data_as_of, metric"
    )


def calibration(snap: Snapshot, model: str, context: str) -> pd.DataFrame:
    """Predicted against observed by decile of the prediction, over the known outcomes of a
    classifier's logged predictions (every version and date)."""
    return snap.df(
        "with known as ("
        f"  select prediction, outcome from {OUTCOMES} "
        "   where model_name = ? and decision_context = ? and outcome is not null"
        "), binned as ("
        "  select prediction, outcome, ntile(10) over (order by prediction) as decile from known"
        ") select decile, count(*) as predictions, avg(prediction) as predicted, "
        "avg(outcome) as observed from binned group by decile order by decile",
        [model, context],
    )


def came_true(snap: Snapshot, model: str, context: str, limit: int = 200) -> pd.DataFrame:
    """The latest logged predictions of a model whose outcome is known: what was predicted,
    the decision, what happened."""
    return snap.df(
        f"select data_as_of, entity_id, prediction, prediction_low, prediction_high, decision, "
        f"outcome, outcome_known_at, decision_came_true, is_within_interval from {OUTCOMES} "
        "where model_name = ? and decision_context = ? and outcome is not null "
        "order by data_as_of desc, prediction desc, entity_id limit ?",
        [model, context, limit],
    )


# --- Fairness slices and model cards (issue 25; docs/governance.md) -----------------------------

SLICES = "ml.model_slice_metrics"
FAIRNESS = "ml.model_fairness"
MODEL_CARDS = "ml.model_cards"

#: The versions in use: the champion of the model that scores (its baseline when the model does
#: not beat it), or of the model itself when it feeds no scoring mart (alert_log.sql's rule).
_IN_USE = (
    "in_use as ("
    "  select registry.model_version_id, registry.threshold as registered_threshold"
    f"  from {SCORECARD} as scorecard join {REGISTRY} as registry"
    "    on coalesce(scorecard.serving_model, scorecard.model_name) = registry.model_name"
    "  where registry.is_champion"
    ")"
)


def slices_in_use(snap: Snapshot) -> pd.DataFrame:
    """The groups of every slice attribute of the versions in use, with their figures and
    their gap to overall, at one decision context per version (`all`, or the campaign
    objective whose threshold is the version's registered one): compared groups first, the
    worst (largest ``worse_by``) at the top, then the small groups."""
    if not snap.has(SLICES, SCORECARD, REGISTRY):
        return pd.DataFrame()
    return snap.df(
        f"with {_IN_USE}, "
        "versions as ("
        "  select slices.*, in_use.registered_threshold"
        f"  from {SLICES} as slices join in_use using (model_version_id)"
        "), contexts as ("
        "  select model_version_id, decision_context, row_number() over ("
        "    partition by model_version_id order by (decision_context = 'all') desc,"
        "    abs(min(threshold) - min(registered_threshold)) nulls last, decision_context"
        "  ) as choice from versions group by model_version_id, decision_context"
        ") select versions.* from versions join contexts using (model_version_id, decision_context)"
        " where contexts.choice = 1 and not versions.is_overall"
        " order by versions.is_small_group, versions.worse_by desc nulls last,"
        " versions.model_name, versions.slice_attribute, versions.group_order"
    )


def fairness_in_use(snap: Snapshot) -> pd.DataFrame:
    """The disparities of the versions in use, per sensitive attribute and decision context."""
    if not snap.has(FAIRNESS, SCORECARD, REGISTRY):
        return pd.DataFrame()
    return snap.df(
        f"with {_IN_USE} select fairness.* from {FAIRNESS} as fairness "
        "join in_use using (model_version_id) "
        "order by fairness.model_name, fairness.slice_attribute, fairness.decision_context"
    )


def model_cards(snap: Snapshot) -> pd.DataFrame:
    """Every model version's card (markdown), champions first within a model."""
    if not snap.has(MODEL_CARDS):
        return pd.DataFrame(columns=["model_name", "model_version", "alias", "card_markdown"])
    return snap.df(
        f"select model_name, model_version, alias, card_markdown from {MODEL_CARDS} "
        "order by model_name, alias = 'champion' desc nulls last, model_version desc"
    )

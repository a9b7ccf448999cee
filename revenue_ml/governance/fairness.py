"""Fairness slices and disparity summaries (ml.model_slice_metrics, ml.model_fairness).

A model's headline figure is an average over everyone it was evaluated on; a slice table says
where it is worse: the same metrics per group of an attribute (a region, a plan, an age band),
next to the overall value. The rows come from
``models/intermediate/governance/int_governance__slice_rows.sql``: one per classifier version,
decision context, labelled row and slice attribute, with the row's **out-of-sample**
probability (never an in-sample score, which would flatter every group alike) and the decision
at the version's threshold. Each metric is split by group as Fairlearn's
:class:`~fairlearn.metrics.MetricFrame` splits it (:func:`group_metrics`: the same metric
functions on each group's rows in input order, so the same figures to the bit, which the tests
check against MetricFrame), without MetricFrame's per-row conversion of its inputs (a Python
call per row and metric: 35 of the 40 s slice_metrics took on 960,000 slice rows of a scale-10
build; the whole of slice_metrics now takes ~5 s on 480,000 rows, disparities ~1 s).

Groups smaller than ``min_group_size`` are reported with their figures and flagged
``is_small_group``: a metric on a handful of rows is noise, so they are left out of every
comparison (the disparity summaries, the alert rules, the dashboard's ranking).

For the sensitive attributes (``is_sensitive`` in seeds/ml/slice_attributes.csv: age band,
income band, education, marital status), :func:`disparities` summarises how differently the
decision treats the groups: the demographic parity difference (largest gap in the share
selected) and the equalized odds difference (largest gap in the true- or false-positive rate),
on the groups of at least ``min_group_size`` rows.

The enrollment forecast has no per-row out-of-sample rows in the registry, only its rolling
backtest per site: :func:`forecast_slice_metrics` turns those into the same layout (WAPE per
site against the overall WAPE).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    count,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import brier_score_loss, precision_score, recall_score, roc_auc_score

from revenue_ml.ml.errors import ModelInputError

#: Columns (and dtypes) of ml.model_slice_metrics.
SLICE_COLUMNS = {
    "model_version_id": "string",
    "model_name": "string",
    "model_version": "Int64",
    "domain": "string",
    "decision_context": "string",
    "slice_attribute": "string",
    "business_label": "string",
    "entity_label": "string",
    "is_sensitive": "boolean",
    "slice_group": "string",
    "group_order": "Int64",
    "is_overall": "boolean",
    "protocol": "string",
    "threshold": "float64",
    "row_count": "Int64",
    "positives": "Int64",
    "selection_rate": "float64",
    "auc": "float64",
    "precision": "float64",
    "recall": "float64",
    "brier": "float64",
    "wape": "float64",
    "selection_rate_gap": "float64",
    "auc_gap": "float64",
    "precision_gap": "float64",
    "recall_gap": "float64",
    "brier_gap": "float64",
    "wape_gap": "float64",
    "primary_metric": "string",
    "worse_by": "float64",
    "is_small_group": "boolean",
    "min_group_size": "Int64",
    "note": "string",
    "computed_at": "datetime64[us]",
}

#: Columns (and dtypes) of ml.model_fairness.
FAIRNESS_COLUMNS = {
    "model_version_id": "string",
    "model_name": "string",
    "model_version": "Int64",
    "domain": "string",
    "decision_context": "string",
    "slice_attribute": "string",
    "business_label": "string",
    "entity_label": "string",
    "protocol": "string",
    "threshold": "float64",
    "rows_compared": "Int64",
    "groups_compared": "Int64",
    "small_groups": "Int64",
    "small_group_labels": "string",
    "demographic_parity_difference": "float64",
    "equalized_odds_difference": "float64",
    "true_positive_rate_difference": "float64",
    "false_positive_rate_difference": "float64",
    "fewest_outcomes": "Int64",
    "lowest_selection_group": "string",
    "lowest_selection_rate": "float64",
    "highest_selection_group": "string",
    "highest_selection_rate": "float64",
    "min_group_size": "Int64",
    "note": "string",
    "computed_at": "datetime64[us]",
}

#: Columns the per-row input must have (int_governance__slice_rows).
ROW_COLUMNS = (
    "model_version_id",
    "model_name",
    "model_version",
    "domain",
    "decision_context",
    "entity_id",
    "slice_attribute",
    "entity_group",
    "group_order",
    "label",
    "probability",
    "threshold",
    "predicted_label",
    "evaluation",
)
#: Columns of the per-site backtest input (int_governance__forecast_site_slices).
SITE_COLUMNS = (
    "model_version_id",
    "model_name",
    "model_version",
    "domain",
    "slice_attribute",
    "slice_group",
    "evaluation",
    "classes",
    "wape",
    "overall_classes",
    "overall_wape",
)
#: Columns of seeds/ml/slice_attributes.csv this module reads.
ATTRIBUTE_COLUMNS = ("domain", "slice_attribute", "business_label", "entity_label", "is_sensitive")

#: The classifier metrics per group, in table order (the gaps follow the same names).
CLASSIFIER_METRICS = ("selection_rate", "auc", "precision", "recall", "brier")


def _auc(y_true, y_pred, probability) -> float:
    """ROC AUC of the probabilities; NaN when the group holds one outcome only."""
    if len(np.unique(y_true)) < 2:
        return float("nan")
    return float(roc_auc_score(y_true, probability))


def _brier(y_true, y_pred, probability) -> float:
    return float(brier_score_loss(y_true, probability)) if len(y_true) else float("nan")


def _precision(y_true, y_pred) -> float:
    """Share of the selected that were positive; NaN when none was selected."""
    return float(precision_score(y_true, y_pred, zero_division=np.nan))


def _recall(y_true, y_pred) -> float:
    """Share of the positives that were selected; NaN when the group has no positive."""
    return float(recall_score(y_true, y_pred, zero_division=np.nan))


def _positives(y_true, y_pred) -> int:
    return int(np.sum(y_true))


def _selection_rate(y_true, y_pred) -> float:
    return float(selection_rate(y_true, y_pred, pos_label=1))


#: What MetricFrame computes per group (the probabilities reach auc and brier as a sample
#: parameter, so they are split by group with the labels).
METRIC_FUNCTIONS: dict[str, Callable] = {
    "row_count": count,
    "positives": _positives,
    "selection_rate": _selection_rate,
    "auc": _auc,
    "precision": _precision,
    "recall": _recall,
    "brier": _brier,
}


def _in_key_order(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows in one order whatever order the warehouse returned them in: sums of floats
    (a Brier score, a rate) depend on the order, and the same data must give the same
    figures to the last bit."""
    keys = ["model_version_id", "decision_context", "slice_attribute", "entity_id"]
    return rows.sort_values(keys, kind="mergesort").reset_index(drop=True)


def _check(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelInputError(
            f"{what}: missing column(s) {missing}. Fix: rebuild the model that writes it "
            "(dbt build --select +model_slice_metrics)."
        )


def _attributes(attributes: pd.DataFrame) -> pd.DataFrame:
    _check(attributes, ATTRIBUTE_COLUMNS, "seeds/ml/slice_attributes.csv")
    seeds = attributes[list(ATTRIBUTE_COLUMNS)].copy()
    seeds["is_sensitive"] = seeds["is_sensitive"].map(_truthy)
    return seeds.drop_duplicates(["domain", "slice_attribute"])


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value) if value is not None and value == value else False


def _protocol(evaluations: pd.Series) -> str:
    """The evaluations the rows come from, e.g. ``cv_5fold + test_split``."""
    return " + ".join(sorted(str(e) for e in evaluations.dropna().unique()))


def group_metrics(
    metrics: dict[str, Callable],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    groups: np.ndarray,
    params: dict[str, dict[str, np.ndarray]] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Each metric per group and over all rows: Fairlearn's ``MetricFrame(metrics=metrics,
    y_true, y_pred, sensitive_features=groups, sample_params=params)`` ``.by_group`` (groups
    sorted, as its index) and ``.overall``. Every function gets the rows of its group in input
    order, as in MetricFrame, so sums of floats come out the same to the last bit."""
    params = params or {}
    codes, labels = pd.factorize(pd.Series(groups, dtype="object"), sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))

    def evaluate(index) -> dict:
        return {
            name: fn(
                y_true[index],
                y_pred[index],
                **{k: v[index] for k, v in params.get(name, {}).items()},
            )
            for name, fn in metrics.items()
        }

    by_group = pd.DataFrame(
        [evaluate(order[bounds[i] : bounds[i + 1]]) for i in range(len(labels))],
        index=pd.Index(labels, name="sensitive_feature_0"),
        columns=list(metrics),
    )
    overall = pd.Series(evaluate(slice(None)), index=list(metrics), dtype="object")
    return by_group, overall


def _slice_frame(part: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    probability = part["probability"].to_numpy(dtype=float)
    return group_metrics(
        METRIC_FUNCTIONS,
        part["label"].to_numpy(dtype=int),
        part["predicted_label"].to_numpy(dtype=int),
        part["slice_group"].astype(str).to_numpy(),
        params={"auc": {"probability": probability}, "brier": {"probability": probability}},
    )


def _between_groups(by_group: pd.Series) -> float:
    """The largest difference between two groups (Fairlearn's
    ``MetricFrame.difference(method="between_groups")``)."""
    return float(by_group.max() - by_group.min())


def _small_note(rows: int, min_group_size: int, entity: str) -> str | None:
    if rows < min_group_size:
        return f"fewer than {min_group_size} {entity}: reported, not compared"
    return None


def slice_metrics(
    rows: pd.DataFrame,
    sites: pd.DataFrame,
    attributes: pd.DataFrame,
    min_group_size: int,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Metrics per group of each slice attribute, per model version and decision context.

    ``rows``: int_governance__slice_rows (classifiers, out-of-sample rows); ``sites``:
    int_governance__forecast_site_slices (the forecast's backtest per site); ``attributes``:
    the slice_attributes seed. One row per version, context, attribute and group, plus one
    ``is_overall`` row per version and context (attribute ``overall``): count, positives,
    selection rate, AUC, precision, recall and Brier score (WAPE for the forecast), each
    group's gap to the overall value (group minus overall) and ``worse_by`` (how much worse
    than overall on the primary metric: AUC below it, WAPE above it; negative = better).
    """
    if min_group_size < 1:
        raise ModelInputError(
            f"var fairness_min_group_size is {min_group_size}; it must be a whole number of "
            "rows of at least 1 (e.g. 30)."
        )
    _check(rows, ROW_COLUMNS, "int_governance__slice_rows")
    _check(sites, SITE_COLUMNS, "int_governance__forecast_site_slices")
    rows = _in_key_order(rows).rename(columns={"entity_group": "slice_group"})
    seeds = _attributes(attributes)
    computed_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    parts = [
        part
        for part in (
            _classifier_slices(rows, seeds, min_group_size),
            _forecast_slices(sites, seeds, min_group_size),
        )
        if len(part)
    ]
    result = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    result = result.reindex(columns=list(SLICE_COLUMNS))
    result["min_group_size"] = min_group_size
    result["computed_at"] = computed_at
    result["is_small_group"] = ~result["is_overall"].astype(bool) & (
        result["row_count"].astype(float) < min_group_size
    )
    result = result.sort_values(
        ["model_name", "model_version", "decision_context", "slice_attribute", "group_order"],
        kind="mergesort",
    )
    return _typed(result.reset_index(drop=True), SLICE_COLUMNS)


def _classifier_slices(
    rows: pd.DataFrame, seeds: pd.DataFrame, min_group_size: int
) -> pd.DataFrame:
    records: list[dict] = []
    if rows.empty:
        return pd.DataFrame(records)
    rows = rows.merge(seeds, on=["domain", "slice_attribute"], how="inner", validate="many_to_one")
    keys = ["model_version_id", "decision_context"]
    for (version_id, context), version_rows in rows.groupby(keys, sort=True):
        first = version_rows.iloc[0]
        base = {
            "model_version_id": version_id,
            "model_name": first["model_name"],
            "model_version": int(first["model_version"]),
            "domain": first["domain"],
            "decision_context": context,
            "threshold": float(first["threshold"]),
            "primary_metric": "auc",
        }
        overall = None
        for attribute, part in version_rows.groupby("slice_attribute", sort=True):
            by_group, overall = _slice_frame(part)
            order = part.groupby("slice_group")["group_order"].min()
            protocols = part.groupby("slice_group")["evaluation"].agg(_protocol)
            entity = str(part["entity_label"].iloc[0])
            for group, values in by_group.iterrows():
                record = {
                    **base,
                    "slice_attribute": attribute,
                    "business_label": part["business_label"].iloc[0],
                    "entity_label": entity,
                    "is_sensitive": bool(part["is_sensitive"].iloc[0]),
                    "slice_group": group,
                    "group_order": int(order[group]),
                    "is_overall": False,
                    "protocol": protocols[group],
                    **{m: values[m] for m in METRIC_FUNCTIONS},
                    **{f"{m}_gap": values[m] - overall[m] for m in CLASSIFIER_METRICS},
                }
                record["worse_by"] = overall["auc"] - values["auc"]
                notes = [_small_note(int(values["row_count"]), min_group_size, entity)]
                if values["auc"] != values["auc"]:
                    notes.append("one outcome only: no AUC")
                record["note"] = "; ".join(n for n in notes if n) or None
                records.append(record)
        records.append(
            {
                **base,
                "slice_attribute": "overall",
                "business_label": "overall",
                "entity_label": entity,
                "is_sensitive": False,
                "slice_group": f"all {entity}",
                "group_order": 0,
                "is_overall": True,
                "protocol": _protocol(version_rows["evaluation"]),
                **{m: overall[m] for m in METRIC_FUNCTIONS},
                **{f"{m}_gap": 0.0 for m in CLASSIFIER_METRICS},
                "worse_by": 0.0,
                "note": None,
            }
        )
    return pd.DataFrame(records)


def _forecast_slices(sites: pd.DataFrame, seeds: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """The forecast's backtest per site, against its overall WAPE (already aggregated by the
    backtest: there is no per-class row to split with MetricFrame)."""
    records: list[dict] = []
    if sites.empty:
        return pd.DataFrame(records)
    sites = sites.merge(
        seeds, on=["domain", "slice_attribute"], how="inner", validate="many_to_one"
    )
    for version_id, part in sites.groupby("model_version_id", sort=True):
        first = part.iloc[0]
        base = {
            "model_version_id": version_id,
            "model_name": first["model_name"],
            "model_version": int(first["model_version"]),
            "domain": first["domain"],
            "decision_context": "all",
            "threshold": np.nan,
            "primary_metric": "wape",
            "protocol": first["evaluation"],
        }
        overall_wape = float(first["overall_wape"])
        ordered = part.sort_values("slice_group", kind="mergesort").reset_index(drop=True)
        for position, site in ordered.iterrows():
            records.append(
                {
                    **base,
                    "slice_attribute": site["slice_attribute"],
                    "business_label": site["business_label"],
                    "entity_label": site["entity_label"],
                    "is_sensitive": bool(site["is_sensitive"]),
                    "slice_group": site["slice_group"],
                    "group_order": position + 1,
                    "is_overall": False,
                    "row_count": int(site["classes"]),
                    "wape": float(site["wape"]),
                    "wape_gap": float(site["wape"]) - overall_wape,
                    "worse_by": float(site["wape"]) - overall_wape,
                    "note": None,
                }
            )
        records.append(
            {
                **base,
                "slice_attribute": "overall",
                "business_label": "overall",
                "entity_label": first["entity_label"],
                "is_sensitive": False,
                "slice_group": f"all {first['entity_label']}",
                "group_order": 0,
                "is_overall": True,
                "row_count": int(first["overall_classes"]),
                "wape": overall_wape,
                "wape_gap": 0.0,
                "worse_by": 0.0,
                "note": None,
            }
        )
    frame = pd.DataFrame(records)
    frame["note"] = [
        None if overall else _small_note(rows, min_group_size, entity)
        for rows, entity, overall in zip(
            frame["row_count"], frame["entity_label"], frame["is_overall"], strict=True
        )
    ]
    return frame


def disparities(
    rows: pd.DataFrame,
    attributes: pd.DataFrame,
    min_group_size: int,
    now: datetime | None = None,
) -> pd.DataFrame:
    """How differently each classifier version's decision treats the groups of each sensitive
    attribute, per decision context (Fairlearn): the demographic parity difference (the
    largest gap in selection rate between two groups) and the equalized odds difference (the
    larger of the largest gaps in true-positive and false-positive rate), on the groups of at
    least ``min_group_size`` rows; smaller groups are counted and named in ``small_groups`` and
    ``small_group_labels``, never compared. The equalized odds need both outcomes in a group:
    a group with only one is left out of it (named in ``note``), and ``fewest_outcomes`` (the
    fewest positives or negatives of a group it compares) says how much its rates rest on."""
    if min_group_size < 1:
        raise ModelInputError(
            f"var fairness_min_group_size is {min_group_size}; it must be at least 1."
        )
    _check(rows, ROW_COLUMNS, "int_governance__slice_rows")
    rows = _in_key_order(rows).rename(columns={"entity_group": "slice_group"})
    seeds = _attributes(attributes)
    computed_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    sensitive = seeds[seeds["is_sensitive"]]
    rows = rows.merge(sensitive, on=["domain", "slice_attribute"], how="inner")
    records = []
    keys = ["model_version_id", "decision_context", "slice_attribute"]
    for (version_id, context, attribute), part in rows.groupby(keys, sort=True):
        records.append(_disparity(version_id, context, attribute, part, min_group_size))
    result = pd.DataFrame(records, columns=list(FAIRNESS_COLUMNS))
    result["min_group_size"] = min_group_size
    result["computed_at"] = computed_at
    return _typed(result, FAIRNESS_COLUMNS)


def _disparity(version_id, context, attribute, part: pd.DataFrame, min_group_size: int) -> dict:
    first = part.iloc[0]
    entity = str(first["entity_label"])
    sizes = part.groupby("slice_group").size()
    small = sizes[sizes < min_group_size].sort_index()
    kept = part[part["slice_group"].isin(sizes[sizes >= min_group_size].index)]
    record = {
        "model_version_id": version_id,
        "model_name": first["model_name"],
        "model_version": int(first["model_version"]),
        "domain": first["domain"],
        "decision_context": context,
        "slice_attribute": attribute,
        "business_label": first["business_label"],
        "entity_label": entity,
        "protocol": _protocol(part["evaluation"]),
        "threshold": float(first["threshold"]),
        "rows_compared": len(kept),
        "groups_compared": int(kept["slice_group"].nunique()),
        "small_groups": len(small),
        "small_group_labels": "; ".join(f"{g} ({n} {entity})" for g, n in small.items()) or None,
    }
    notes = []
    if record["groups_compared"] < 2:
        notes.append(
            f"fewer than two groups of at least {min_group_size} {entity}: no disparity measured"
        )
        return {**record, "note": "; ".join(notes)}
    y_true = kept["label"].to_numpy(dtype=int)
    y_pred = kept["predicted_label"].to_numpy(dtype=int)
    groups = kept["slice_group"].astype(str).to_numpy()
    rates = group_metrics({"rate": _selection_rate}, y_true, y_pred, groups)[0]["rate"]
    rates = rates.astype(float)
    # fairlearn.metrics.demographic_parity_difference: the selection rates' largest gap
    record["demographic_parity_difference"] = _between_groups(rates)
    record["lowest_selection_group"] = str(rates.idxmin())
    record["lowest_selection_rate"] = float(rates.min())
    record["highest_selection_group"] = str(rates.idxmax())
    record["highest_selection_rate"] = float(rates.max())
    outcomes = kept.groupby("slice_group")["label"].nunique()
    one_outcome = sorted(outcomes[outcomes < 2].index)
    if one_outcome:
        notes.append("one outcome only, left out of equalized odds: " + "; ".join(one_outcome))
    both = kept[kept["slice_group"].isin(outcomes[outcomes == 2].index)]
    if both["slice_group"].nunique() >= 2:
        by_group = group_metrics(
            {"tpr": true_positive_rate, "fpr": false_positive_rate},
            both["label"].to_numpy(dtype=int),
            both["predicted_label"].to_numpy(dtype=int),
            both["slice_group"].astype(str).to_numpy(),
        )[0].astype(float)
        record["true_positive_rate_difference"] = _between_groups(by_group["tpr"])
        record["false_positive_rate_difference"] = _between_groups(by_group["fpr"])
        # fairlearn.metrics.equalized_odds_difference (agg="worst_case"): the larger gap
        record["equalized_odds_difference"] = max(
            record["true_positive_rate_difference"], record["false_positive_rate_difference"]
        )
        # the rates rest on each group's positives and negatives: the fewest says how noisy
        counts = both.groupby("slice_group")["label"].agg(["sum", "size"])
        record["fewest_outcomes"] = int(
            np.minimum(counts["sum"], counts["size"] - counts["sum"]).min()
        )
    else:
        notes.append("fewer than two groups with both outcomes: no equalized odds")
    return {**record, "note": "; ".join(notes) or None}


def _typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    out = frame.reindex(columns=list(columns))
    for name, dtype in columns.items():
        if dtype == "float64":
            out[name] = pd.to_numeric(out[name], errors="coerce").astype("float64")
        elif dtype == "Int64":
            out[name] = pd.to_numeric(out[name], errors="coerce").round().astype("Int64")
        elif dtype == "boolean":
            out[name] = out[name].astype("boolean")
        elif dtype.startswith("datetime64"):
            out[name] = pd.to_datetime(out[name]).astype(dtype)
        else:
            out[name] = out[name].astype("string")
    return out


def not_yet_computed(relation, done: list[str]):
    """``relation`` (a dbt ref, DuckDB relation or Spark DataFrame) without the model versions
    in ``done``: each version's slices are computed once, in the first build that sees it (its
    out-of-sample rows never change)."""
    if not done:
        return relation
    listed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(done))
    return relation.filter(f"model_version_id not in ({listed})")


def check_full_recompute(versions: pd.DataFrame, computed_column: str, model: str) -> None:
    """A first or full build of ``model`` recomputes every version, so it needs every version's
    rows; int_governance__slice_rows holds those of the versions that
    int_governance__slice_versions (``versions``) lists as still to compute. When that list
    comes from an earlier build (a refresh of ``model`` alone), the versions it counts as
    computed (``computed_column``) would be dropped: raise, naming the command that rebuilds
    both."""
    done = versions.loc[versions[computed_column].fillna(False).astype(bool), "model_version_id"]
    if len(done):
        raise ModelInputError(
            f"{model}: a full refresh recomputes every model version, but "
            f"int_governance__slice_versions, built before it, counts {len(done)} version(s) "
            f"as computed (e.g. {sorted(done.astype(str))[0]}), so their rows are not in "
            "int_governance__slice_rows. Fix: refresh the list with them: dbt build "
            "--full-refresh --select int_governance__slice_versions model_slice_metrics "
            "model_fairness"
        )


def computed_versions(existing: pd.DataFrame) -> list[str]:
    """The model versions an incremental table already holds (its ``model_version_id``)."""
    return sorted(existing["model_version_id"].dropna().astype(str).unique())


def sensitive_attributes(attributes: pd.DataFrame) -> list[str]:
    """The slice attributes the seed marks ``is_sensitive``."""
    seeds = _attributes(attributes)
    return sorted(seeds.loc[seeds["is_sensitive"], "slice_attribute"].astype(str).unique())


def only_attributes(relation, names: list[str]):
    """``relation`` restricted to the rows of the named slice attributes (none: no row)."""
    if not names:
        return relation.filter("1 = 0")
    listed = ", ".join("'" + str(n).replace("'", "''") + "'" for n in names)
    return relation.filter(f"slice_attribute in ({listed})")

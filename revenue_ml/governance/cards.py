"""Model cards: one markdown card per registered model version (ml.model_cards).

A card answers, for one version, what a reviewer asks before trusting it: what it is for and
for whom, what it was trained on, which features it reads, how it was evaluated (with the
protocol), whether it beats its baseline, where it is worse (the slice table) and how
differently its decisions treat the groups of a personal attribute, what it cannot do, and
whether it is the version that scores. Every figure comes from the warehouse: the registry
(``ml.model_registry``), the slices (``ml.model_slice_metrics``, ``ml.model_fairness``), who
scores (``ml.model_scorecard``), the data (``int_governance__domain_data``) and the purposes
written by hand (seeds/ml/model_purposes.csv). dbt renders every card on every build, so the
status is that build's; ``python -m revenue_ml.governance card <model> [version]`` prints one.

Personal data: a card names groups (aggregates, e.g. "customers aged 35-44") and never a
person; the figures of a small group of a personal attribute are not shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from revenue_ml.ml.errors import ModelInputError

#: Columns (and dtypes) of ml.model_cards.
CARD_COLUMNS = {
    "model_version_id": "string",
    "model_name": "string",
    "model_version": "Int64",
    "domain": "string",
    "alias": "string",
    "card_markdown": "string",
    "rendered_at": "datetime64[us]",
}

#: The sections of every card, in order (tests check each is present).
SECTIONS = (
    "Intended use and users",
    "Training data",
    "Features",
    "Evaluation",
    "Baseline comparison",
    "Slices",
    "Known limitations",
    "Version and status",
)

#: Evaluation protocols in words (the Model health page says the same).
PROTOCOLS = {
    "as_of_backtest": "replaying past dates",
    "rolling_origin": "out of time, rolling origin",
    "time_holdout": "newest 20% held out",
    "test_split": "held-out 20%",
    "repeated_splits": "repeated 80/20 splits",
    "backtest": "rolling backtest of past periods (the model alone)",
    "backtest_ensemble": "rolling backtest of past periods",
    "backtest_ensemble_unreconciled": "rolling backtest, before reconciliation",
    "backtest_naive_last": "rolling backtest, last period's size",
    "backtest_seasonal_naive": "rolling backtest, same period last year",
    "best_naive": "rolling backtest of past periods",
    "selection": "model selection",
    "fit": "fit on every row",
}

#: The figures an evaluation row may hold, in the card's column order, with their heading.
EVALUATION_FIGURES = (
    ("rows", "Rows"),
    ("auc", "AUC"),
    ("f1", "F1"),
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("brier", "Brier"),
    ("ece", "Calibration error"),
    ("wape", "WAPE"),
    ("mae", "MAE"),
    ("bias", "Bias"),
    ("interval_coverage", "Interval coverage"),
    ("silhouette", "Silhouette"),
    ("k", "k"),
)
#: Evaluations that are not a measurement of the model on rows (shown elsewhere or not at all).
NOT_EVALUATIONS = {"baseline_comparison", "search", "objective", "backtest_skipped"}
#: Features listed by importance on a card.
TOP_FEATURES = 8
#: Largest evaluation rows below which a card warns that its figures are noisy.
SMALL_EVALUATION = 500
#: A group this much worse than overall on the primary metric is a known limitation.
NOTABLE_SHORTFALL = 0.05


@dataclass(frozen=True)
class CardInputs:
    """What the cards are rendered from (the frames the dbt model reads)."""

    registry: pd.DataFrame
    slices: pd.DataFrame
    fairness: pd.DataFrame
    scorecard: pd.DataFrame
    purposes: pd.DataFrame
    domain_data: pd.DataFrame
    rules: pd.DataFrame


REQUIRED = {
    "registry": (
        "model_version_id",
        "model_name",
        "model_version",
        "domain",
        "model_family",
        "alias",
        "is_champion",
        "trained_at",
        "training_rows",
        "training_fingerprint",
        "feature_names",
        "params",
        "metrics",
        "primary_metric",
        "primary_metric_value",
        "passed_gate",
        "is_latest_version",
    ),
    "purposes": ("model_name", "intended_use", "intended_users", "decision_mart"),
    "domain_data": ("domain", "dataset_label", "source_files", "period", "data_as_of"),
}


def model_cards(inputs: CardInputs, now: datetime | None = None) -> pd.DataFrame:
    """One card per registered version (``ml.model_cards``)."""
    for name, columns in REQUIRED.items():
        frame = getattr(inputs, name)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ModelInputError(
                f"model_cards: {name} lacks column(s) {missing}. Fix: rebuild it "
                "(dbt build --select +model_cards)."
            )
    rendered_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    rows = []
    registry = inputs.registry.sort_values(["model_name", "model_version"], kind="mergesort")
    for _, version in registry.iterrows():
        rows.append(
            {
                "model_version_id": version["model_version_id"],
                "model_name": version["model_name"],
                "model_version": int(version["model_version"]),
                "domain": version["domain"],
                "alias": _text(version.get("alias")),
                "card_markdown": render_card(version, inputs, rendered_at),
                "rendered_at": rendered_at,
            }
        )
    out = pd.DataFrame(rows, columns=list(CARD_COLUMNS))
    for name, dtype in CARD_COLUMNS.items():
        out[name] = out[name].astype(dtype)
    return out


def render_card(version: Mapping, inputs: CardInputs, rendered_at: datetime) -> str:
    """The markdown card of one registry row."""
    name, number = str(version["model_name"]), int(version["model_version"])
    metrics = _json(version.get("metrics"), {})
    params = _json(version.get("params"), {})
    purpose = _row(inputs.purposes, model_name=name)
    data = _row(inputs.domain_data, domain=version["domain"])
    slices = _version_rows(inputs.slices, version["model_version_id"])
    fairness = _version_rows(inputs.fairness, version["model_version_id"])
    serving = _serving(inputs.scorecard, inputs.registry, name, number, purpose)
    lines = [
        f"# Model card: {name} v{number}",
        "",
        f"{_status_line(version, serving)}. Domain {version['domain']}, family "
        f"{version['model_family']}, trained {_when(version['trained_at'])}.",
        "",
    ]
    lines += _section("Intended use and users", _purpose(purpose, name))
    lines += _section("Training data", _training_data(version, data, inputs.registry))
    lines += _section("Features", _features(version, params))
    lines += _section("Evaluation", _evaluation(version, metrics))
    lines += _section("Baseline comparison", _baseline(version, metrics, inputs.registry))
    lines += _section("Slices", _slices(version, slices, fairness, inputs.rules))
    lines += _section(
        "Known limitations",
        _limitations(version, metrics, purpose, slices, fairness, serving, inputs.rules),
    )
    lines += _section("Version and status", _version(version, serving))
    lines += [
        f"_Written by dbt at {rendered_at:%Y-%m-%d %H:%M} UTC from ml.model_registry, "
        "ml.model_slice_metrics, ml.model_fairness, ml.model_scorecard and "
        f"seeds/ml/model_purposes.csv. Print it: `python -m revenue_ml.governance card {name} "
        f"{number}`._",
        "",
    ]
    return "\n".join(lines)


# --- sections ---------------------------------------------------------------------------------


def _purpose(purpose: Mapping | None, name: str) -> list[str]:
    if purpose is None:
        return [
            f"No purpose is recorded for {name}: add a row to seeds/ml/model_purposes.csv "
            "(intended use, users, decision mart, out of scope, known limitations)."
        ]
    lines = [
        f"- **Use:** {purpose['intended_use']}",
        f"- **Users:** {purpose['intended_users']}",
        f"- **Decisions read from:** `{purpose['decision_mart']}`",
    ]
    if _text(purpose.get("out_of_scope")):
        lines.append(f"- **Not for:** {purpose['out_of_scope']}")
    return lines


def _training_data(version: Mapping, data: Mapping | None, registry: pd.DataFrame) -> list[str]:
    lines = []
    if data is not None:
        lines += [
            f"- **Source:** {data['dataset_label']}; files: {_text(data['source_files']) or '-'}",
            f"- **Period:** {data['period']}; data as of {_date(data['data_as_of'])} "
            "(the data in the warehouse when this card was written)",
        ]
    latest = registry[
        (registry["model_name"] == version["model_name"]) & registry["is_latest_version"]
    ]
    same = len(latest) > 0 and str(latest["training_fingerprint"].iloc[0]) == str(
        version["training_fingerprint"]
    )
    lines += [
        f"- **Rows:** {_int(version['training_rows'])} labelled rows (the final fit)",
        f"- **Fingerprint:** `{version['training_fingerprint']}` (SHA-256 of the training rows; "
        + (
            "the same rows as the latest version)"
            if same
            else "other rows than the latest version's: trained on an earlier extract)"
        ),
        f"- **Trained:** {_when(version['trained_at'])}"
        + (
            f", retrain policy `{version['retrain_policy']}` ({version['retrain_reason']})"
            if _text(version.get("retrain_policy"))
            else ""
        ),
    ]
    return lines


def _features(version: Mapping, params: Mapping) -> list[str]:
    names = _json(version.get("feature_names"), [])
    categorical = set(_json(version.get("categorical_features"), []))
    listed = ", ".join(f"`{n}`" + (" (categorical)" if n in categorical else "") for n in names)
    lines = [f"{len(names)} features: {listed or 'none recorded'}."]
    importance = _json(version.get("feature_importance"), [])
    ranked = [
        (item.get("feature"), item.get("mean_abs_contribution"))
        for item in importance
        if isinstance(item, Mapping) and _number(item.get("mean_abs_contribution")) is not None
    ]
    ranked.sort(key=lambda pair: -float(pair[1]))
    if ranked:
        top = ", ".join(f"`{f}` {float(v):.3g}" for f, v in ranked[:TOP_FEATURES])
        lines += ["", f"Most influential (mean absolute contribution to a score): {top}."]
    settings = {
        k: v
        for k, v in params.items()
        if isinstance(v, str | int | float | bool) and k not in ("quality_floor",)
    }
    if settings:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(settings.items()))
        lines += ["", f"Parameters: {shown}."]
    selected = params.get("selected_params")
    if isinstance(selected, Mapping) and selected:
        chosen = ", ".join(f"{k} {v}" for k, v in sorted(selected.items()))
        lines += [f"Chosen by the training itself: {chosen}."]
    return lines


def _evaluation(version: Mapping, metrics: Mapping) -> list[str]:
    primary = _text(version.get("primary_metric")) or ""
    evaluation, _, metric = primary.partition(".")
    value = _number(version.get("primary_metric_value"))
    floor = _number(version.get("quality_floor"))
    lines = [
        f"Primary metric: {_figure(metric, value)} by {protocol_words(evaluation)} "
        f"(`{primary}`); "
        + (
            f"quality floor {floor:.3f}: "
            f"{'passed' if _truthy(version['passed_gate']) else 'NOT passed'}."
            if floor is not None
            else "no quality floor (the gate is off for this data or this model)."
        ),
        "",
    ]
    known = [key for key, _ in EVALUATION_FIGURES]
    rows = [
        (name, values)
        for name, values in metrics.items()
        if isinstance(values, Mapping)
        and name not in NOT_EVALUATIONS
        and any(_number(values.get(key)) is not None for key in known)
    ]
    present = [
        (key, title)
        for key, title in EVALUATION_FIGURES
        if any(_number(values.get(key)) is not None for _, values in rows)
    ]
    if not rows or not present:
        return [*lines, "No evaluation rows are stored for this version."]
    lines.append("| protocol | " + " | ".join(title for _, title in present) + " |")
    lines.append("|---|" + "---|" * len(present))
    for name, values in rows:
        cells = [_cell(key, values.get(key)) for key, _ in present]
        lines.append(f"| {protocol_words(name)} (`{name}`) | " + " | ".join(cells) + " |")
    objectives = objective_thresholds(version.get("evaluation"))
    if objectives:
        lines += ["", "Decision thresholds per business objective (chosen on out-of-fold rows):"]
        for objective, threshold in objectives:
            lines.append(f"- {objective}: selected from a probability of {threshold:.3f}")
    return lines


def objective_thresholds(evaluation) -> list[tuple[str, float]]:
    """The (objective, threshold) pairs of a version's evaluation rows ``objective`` (the
    campaign model's business objectives), in the stored order."""
    pairs = []
    for record in _json(evaluation, []):
        if (
            isinstance(record, Mapping)
            and record.get("evaluation") == "objective"
            and record.get("metric") == "threshold"
            and _number(record.get("value")) is not None
        ):
            pairs.append((str(record.get("fold")), float(record["value"])))
    return pairs


def _baseline(version: Mapping, metrics: Mapping, registry: pd.DataFrame) -> list[str]:
    comparison = metrics.get("baseline_comparison")
    if isinstance(comparison, Mapping) and comparison:
        beats = _number(comparison.get("beats_baseline")) == 1
        baseline_version = _number(comparison.get("baseline_version"))
        label = comparison.get("baseline", "its baseline")
        if baseline_version is not None:
            label = f"{label} v{int(baseline_version)}"
        lift, margin = _number(comparison.get("lift")), _number(comparison.get("margin"))
        return [
            f"Compared with {label} on `{comparison.get('metric')}` (same rows, same protocol): "
            f"this version {_plain(comparison.get('model_value'))}, the baseline "
            f"{_plain(comparison.get('baseline_value'))}, lift "
            f"{'-' if lift is None else f'{lift:+.3f}'} against a margin of "
            f"{'-' if margin is None else f'{margin:g}'}: "
            + (
                "it beats its baseline, so it may score."
                if beats
                else "it does not beat its baseline, so the baseline scores instead."
            )
        ]
    rule = _json(version.get("params"), {}).get("baseline_rule")
    if isinstance(rule, Mapping) and rule.get("baseline"):
        return [
            f"Its baseline is {rule['baseline']} (on `{rule.get('metric')}`, margin "
            f"{rule.get('margin')}); no comparison is stored with this version."
        ]
    owners = []
    for _, other in registry.drop_duplicates("model_name").iterrows():
        other_rule = _json(other.get("params"), {}).get("baseline_rule")
        if isinstance(other_rule, Mapping) and other_rule.get("baseline") == version["model_name"]:
            owners.append(str(other["model_name"]))
    if owners:
        return [
            f"This is the baseline of {', '.join(owners)}: the simple model "
            f"{' and '.join(owners)} must beat by the margin on the same rows and protocol; it "
            "scores when it is not beaten."
        ]
    if str(version.get("model_family")) in ("kmeans", "gmm") or "silhouette" in str(
        version.get("primary_metric")
    ):
        return [
            "No baseline: a segmentation has no label to beat a baseline on; it is judged by "
            "its silhouette and by whether its segments read as distinct groups."
        ]
    return ["No registered baseline."]


def _slices(
    version: Mapping, slices: pd.DataFrame, fairness: pd.DataFrame, rules: pd.DataFrame
) -> list[str]:
    if slices.empty:
        return [_no_slices_reason(version)]
    context = _card_context(version, slices)
    part = slices[(slices["decision_context"] == context) & ~slices["is_overall"].astype(bool)]
    overall = slices[(slices["decision_context"] == context) & slices["is_overall"].astype(bool)]
    metric = str(slices["primary_metric"].iloc[0])
    entity = str(slices["entity_label"].iloc[0])
    min_size = _int(slices["min_group_size"].iloc[0])
    protocol = _text(overall["protocol"].iloc[0]) if len(overall) else None
    if metric == "auc":
        basis = f"Metrics per group on this version's out-of-sample predictions ({protocol})" + (
            f", decisions at the {context} objective's threshold" if context != "all" else ""
        )
    else:
        basis = (
            f"WAPE per site on the rolling backtest ({protocol}); the registry keeps the "
            "backtest per site, not per class"
        )
    lines = [
        f"{basis}. Groups of fewer than {min_size} {entity} are marked small and never compared.",
        "",
    ]
    worst = part[~part["is_small_group"].astype(bool) & part["worse_by"].notna()]
    worst = worst.sort_values("worse_by", ascending=False, kind="mergesort")
    worst = worst[worst["worse_by"] > 0].head(3)
    if len(worst):
        lines.append(
            "Where it is worse than overall: "
            + "; ".join(gap_sentence(r, with_model=False) for r in worst.to_dict("records"))
            + "."
        )
        lines.append("")
    for _, rows in part.groupby("slice_attribute", sort=True):
        rows = rows.sort_values(["group_order", "slice_group"], kind="mergesort")
        sensitive = bool(rows["is_sensitive"].iloc[0])
        lines.append(
            f"**{rows['business_label'].iloc[0]}**"
            + (" (personal attribute: groups are aggregates)" if sensitive else "")
        )
        lines.append("")
        lines += _slice_table(rows, metric, sensitive)
        lines.append("")
    if len(overall):
        o = overall.iloc[0]
        lines.append(
            (
                "Overall (every out-of-sample row pooled, so not exactly the primary metric): "
                if metric == "auc"
                else "Overall: "
            )
            + f"{_int(o['row_count'])} {entity}, "
            + (
                f"AUC {_plain(o['auc'])}, selection rate {_pct(o['selection_rate'])}, "
                f"precision {_pct(o['precision'])}, recall {_pct(o['recall'])}, "
                f"Brier {_plain(o['brier'])}."
                if metric == "auc"
                else f"WAPE {_pct(o['wape'])}."
            )
        )
    if slices["decision_context"].nunique() > 1:
        lines.append(
            "Selection rate, precision and recall at the other objectives' thresholds are in "
            "ml.model_slice_metrics (AUC and Brier do not depend on the threshold)."
        )
    if not fairness.empty:
        lines += ["", *(_fairness_table(fairness, rules))]
    return lines


def _slice_table(rows: pd.DataFrame, metric: str, sensitive: bool) -> list[str]:
    if metric == "auc":
        head = "| group | rows | positives | selected | AUC (gap) | precision | recall | Brier |"
        lines = [head, "|---|---|---|---|---|---|---|---|"]
    else:
        lines = ["| group | classes | WAPE (gap) |", "|---|---|---|"]
    for r in rows.to_dict("records"):
        small = bool(r["is_small_group"])
        group = str(r["slice_group"]) + (" (small)" if small else "")
        if small and sensitive:
            blanks = 6 if metric == "auc" else 1
            lines.append(
                f"| {group} | {_int(r['row_count'])} |"
                + " figures not shown (small group of a personal attribute) |"
                + " |" * (blanks - 1)
            )
            continue
        if metric == "auc":
            lines.append(
                f"| {group} | {_int(r['row_count'])} | {_int(r['positives'])} | "
                f"{_pct(r['selection_rate'])} | {_plain(r['auc'])} ({_signed(r['auc_gap'])}) | "
                f"{_pct(r['precision'])} | {_pct(r['recall'])} | {_plain(r['brier'])} |"
            )
        else:
            lines.append(
                f"| {group} | {_int(r['row_count'])} | {_pct(r['wape'])} "
                f"({_signed(_scaled(r['wape_gap'], 100), 1)} points) |"
            )
    return lines


#: The count each disparity's alert rule reads (alert_log.sql): the rows compared, or the
#: fewest positives or negatives of a group the equalized odds compare.
DISPARITY_COUNTS = {
    "demographic_parity_difference": "rows_compared",
    "equalized_odds_difference": "fewest_outcomes",
}


def _fairness_table(fairness: pd.DataFrame, rules: pd.DataFrame) -> list[str]:
    parity = _rule(rules, "demographic_parity_difference")
    odds = _rule(rules, "equalized_odds_difference")
    lines = [
        "Disparities on the personal attributes (groups of at least the minimum size). In bold: "
        "over the alert rule's threshold "
        f"({_plain(parity[0] if parity else None)} and {_plain(odds[0] if odds else None)}); "
        "\u2020: over it, but resting on too few cases for the rule (an equalized odds needs "
        f"{_int(odds[1] if odds else None)} of each outcome in every group compared).",
        "",
        "| attribute | decision | demographic parity difference | equalized odds difference "
        "| selected least | selected most | small groups left out |",
        "|---|---|---|---|---|---|---|",
    ]
    ordered = fairness.sort_values(["slice_attribute", "decision_context"], kind="mergesort")
    for r in ordered.to_dict("records"):
        lines.append(
            f"| {r['business_label']} | {r['decision_context']} | "
            f"{_flagged(r, 'demographic_parity_difference', parity)} | "
            f"{_flagged(r, 'equalized_odds_difference', odds)} | "
            f"{_text(r['lowest_selection_group']) or '-'} ({_pct(r['lowest_selection_rate'])}) | "
            f"{_text(r['highest_selection_group']) or '-'} ({_pct(r['highest_selection_rate'])}) | "
            f"{_int(r['small_groups'])} |"
        )
    return lines


def _limitations(
    version: Mapping,
    metrics: Mapping,
    purpose: Mapping | None,
    slices: pd.DataFrame,
    fairness: pd.DataFrame,
    serving: Mapping,
    rules: pd.DataFrame,
) -> list[str]:
    items = []
    if purpose is not None and _text(purpose.get("known_limitations")):
        items.append(str(purpose["known_limitations"]))
    if not _truthy(version.get("passed_gate")):
        items.append("It did not pass its quality gate: it never scores.")
    comparison = metrics.get("baseline_comparison")
    if isinstance(comparison, Mapping) and _number(comparison.get("beats_baseline")) == 0:
        items.append(
            f"It does not beat its baseline {comparison.get('baseline')} by the margin: the "
            "baseline scores in its place."
        )
    primary = _text(version.get("primary_metric")) or ""
    evaluated = _number(
        _json(version.get("metrics"), {}).get(primary.split(".")[0], {}).get("rows")
    )
    if evaluated is not None and evaluated < SMALL_EVALUATION:
        items.append(
            f"Its primary evaluation rests on {int(evaluated)} rows: its figures move with a few "
            "cases."
        )
    if not slices.empty:
        context = _card_context(version, slices)
        part = slices[
            (slices["decision_context"] == context)
            & ~slices["is_overall"].astype(bool)
            & ~slices["is_small_group"].astype(bool)
        ]
        notable = part[part["worse_by"] > NOTABLE_SHORTFALL].sort_values(
            "worse_by", ascending=False, kind="mergesort"
        )
        for r in notable.head(3).to_dict("records"):
            items.append("Worse for a group: " + gap_sentence(r, with_model=False) + ".")
        small = slices[slices["is_small_group"].astype(bool)]
        if len(small):
            items.append(
                f"{small[['slice_attribute', 'slice_group']].drop_duplicates().shape[0]} "
                "group(s) are too small to judge (marked small in the slices)."
            )
    for measure, count in DISPARITY_COUNTS.items():
        rule = _rule(rules, measure)
        if fairness.empty or rule is None:
            continue
        limit, min_count = rule
        above = fairness[(fairness[measure] > limit) & (fairness[count] >= min_count)]
        for attribute, rows in above.groupby("business_label", sort=True):
            top = rows.sort_values(measure, ascending=False).iloc[0]
            items.append(
                f"Its decisions treat the {attribute} groups unequally: "
                f"{measure.replace('_', ' ')} {float(top[measure]):.3f} (over {limit:g}) at the "
                f"{top['decision_context']} threshold."
            )
    if not items:
        items.append("None recorded beyond the figures above.")
    return [f"- {item}" for item in items]


def _version(version: Mapping, serving: Mapping) -> list[str]:
    alias = _text(version.get("alias"))
    lines = [
        f"- **Version:** `{version['model_version_id']}`"
        + (" (the latest)" if _truthy(version.get("is_latest_version")) else ""),
        f"- **Alias:** {alias or 'none (an earlier version)'}"
        + (
            f", champion since {_when(version['champion_since'])}"
            if alias == "champion" and _text(version.get("champion_since"))
            else ""
        ),
        "- **Registered as:** "
        + (_text(version.get("registered_alias")) or "champion (before aliases)")
        + (f": {version['alias_reason']}" if _text(version.get("alias_reason")) else ""),
        f"- **Scores:** {serving['text']}",
    ]
    if _text(version.get("promoted_at")):
        lines.append(f"- **Promoted by hand:** {_when(version['promoted_at'])}")
    if _text(version.get("model_format")):
        lines.append(f"- **Stored as:** {version['model_format']} (text, never a pickle)")
    if _text(version.get("mlflow_run_id")):
        lines.append(f"- **MLflow run:** `{version['mlflow_run_id']}`")
    return lines


# --- helpers ----------------------------------------------------------------------------------


def protocol_words(protocol: str) -> str:
    """An evaluation name in words: cv_10fold -> "10-fold cross-validation"."""
    if protocol.startswith("grouped_cv_"):
        folds = protocol.removeprefix("grouped_cv_").removesuffix("fold")
        return f"{folds}-fold grouped cross-validation"
    if protocol.startswith("cv_"):
        return f"{protocol.removeprefix('cv_').removesuffix('fold')}-fold cross-validation"
    return PROTOCOLS.get(protocol, protocol.replace("_", " "))


def gap_sentence(row: Mapping, with_model: bool = True) -> str:
    """A slice row in business words: "churn_lightgbm: AUC 0.71 for customers with the
    international plan, 0.15 below its 0.86 overall (412 customers)"."""
    entity, group = row["entity_label"], row["slice_group"]
    who = f"{row['model_name']}: " if with_model else ""
    count = f"({_int(row['row_count'])} {entity})"
    if row["primary_metric"] == "wape":
        overall = float(row["wape"]) - float(row["wape_gap"])
        gap = 100 * float(row["wape_gap"])
        direction = "above" if gap >= 0 else "below"
        return (
            f"{who}WAPE {_pct(row['wape'])} {group}, {abs(gap):.1f} points {direction} its "
            f"{_pct(overall)} overall {count}"
        )
    overall = float(row["auc"]) - float(row["auc_gap"])
    gap = float(row["auc_gap"])
    direction = "below" if gap <= 0 else "above"
    return (
        f"{who}AUC {float(row['auc']):.2f} for {entity} {group}, {abs(gap):.2f} {direction} its "
        f"{overall:.2f} overall {count}"
    )


def _section(title: str, body: Iterable[str]) -> list[str]:
    return [f"## {title}", "", *body, ""]


def _status_line(version: Mapping, serving: Mapping) -> str:
    alias = _text(version.get("alias"))
    status = {"champion": "Champion", "challenger": "Challenger"}.get(alias or "", "Not aliased")
    return f"{status}; {serving['short']}"


def _serving(
    scorecard: pd.DataFrame,
    registry: pd.DataFrame,
    name: str,
    number: int,
    purpose: Mapping | None,
) -> dict:
    """Whether this version scores in the build, and why (ml.model_scorecard)."""
    champion = registry[(registry["model_name"] == name) & registry["is_champion"].astype(bool)]
    is_champion = len(champion) > 0 and int(champion["model_version"].iloc[0]) == number
    if not is_champion:
        return {"short": "does not score", "text": "no: only a model's champion scores"}
    read_from = f"read from `{purpose['decision_mart']}`" if purpose is not None else None
    elsewhere = (
        f"its output is {read_from}, not from a scoring mart"
        if read_from
        else ("it feeds no scoring mart")
    )
    shown = read_from or "feeds no scoring mart"
    for card in scorecard.to_dict("records"):
        reason = _text(card.get("serving_reason")) or ""
        if card["model_name"] == name:
            where = _text(card.get("scores_in"))
            if where:
                return {"short": f"scores {where}", "text": f"yes, in {where}: {reason}"}
            if _text(card.get("baseline_scores_in")):
                return {"short": "does not score", "text": f"no: {reason}"}
            return {"short": shown, "text": f"as the champion: {elsewhere}"}
        if _text(card.get("baseline_name")) == name:
            where = _text(card.get("baseline_scores_in"))
            if where:
                return {
                    "short": f"scores {where} in place of {card['model_name']}",
                    "text": f"yes, in {where}, in place of {card['model_name']}: {reason}",
                }
            if _text(card.get("scores_in")):
                return {
                    "short": "does not score",
                    "text": f"no: {card['model_name']} beats it and scores ({reason})",
                }
            return {
                "short": "does not score",
                "text": f"no: the baseline of {card['model_name']}, which is the one shown",
            }
    return {"short": shown, "text": f"as the champion: {elsewhere}"}


def _no_slices_reason(version: Mapping) -> str:
    family = str(version.get("model_family"))
    if family in ("kmeans", "gmm") or "silhouette" in str(version.get("primary_metric")):
        return "No slices: a segmentation has no outcome to be right or wrong about per group."
    if _number(version.get("threshold")) is None and "wape" not in str(
        version.get("primary_metric")
    ):
        return "No slices for this kind of model."
    return (
        "No slices for this version: it stores no per-row out-of-sample predictions (the "
        "landmark by-age offer model is evaluated by replaying past dates), or it was "
        "registered before the slice table existed (dbt build --full-refresh --select "
        "model_slice_metrics computes every version)."
    )


def _card_context(version: Mapping, slices: pd.DataFrame) -> str:
    """The decision context a card shows: `all`, or the campaign objective whose threshold is
    the version's registered (F1-optimal) one, else the first."""
    contexts = sorted(slices["decision_context"].unique())
    if "all" in contexts:
        return "all"
    threshold = _number(version.get("threshold"))
    if threshold is not None:
        by_threshold = slices.groupby("decision_context")["threshold"].first()
        close = by_threshold[(by_threshold - threshold).abs() < 1e-9]
        if len(close):
            return str(sorted(close.index)[0])
    return str(contexts[0])


def _version_rows(frame: pd.DataFrame, version_id: str) -> pd.DataFrame:
    if frame.empty or "model_version_id" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["model_version_id"] == version_id]


def _row(frame: pd.DataFrame, **match) -> Mapping | None:
    if frame.empty:
        return None
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column].astype(str) == str(value)
    found = frame[mask]
    return None if found.empty else found.iloc[0].to_dict()


def _rule(rules: pd.DataFrame, observation: str) -> tuple[float, float] | None:
    """(threshold, min_count) of the alert rule on ``observation`` for every model."""
    if rules.empty or "observation" not in rules.columns:
        return None
    found = rules[(rules["observation"] == observation) & (rules["applies_to"] == "all")]
    if found.empty:
        return None
    return float(found["threshold"].iloc[0]), float(found["min_count"].iloc[0])


def _json(value, default):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    if isinstance(value, dict | list):
        return value
    try:
        parsed = json.loads(str(value))
    except ValueError:
        return default
    return parsed if isinstance(parsed, type(default)) else default


def _text(value) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def _number(value) -> float | None:
    if value is None or value is pd.NA or isinstance(value, str | bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value) if _number(value) is not None or isinstance(value, bool) else False


def _int(value) -> str:
    number = _number(value)
    return "-" if number is None else f"{int(round(number)):,}"


def _plain(value) -> str:
    number = _number(value)
    return "-" if number is None else f"{number:.3f}"


def _pct(value) -> str:
    number = _number(value)
    return "-" if number is None else f"{100 * number:.1f}%"


def _signed(value, digits: int = 3) -> str:
    number = _number(value)
    return "-" if number is None else f"{number:+.{digits}f}"


def _scaled(value, factor: float) -> float | None:
    number = _number(value)
    return None if number is None else number * factor


def _flagged(row: Mapping, measure: str, rule: tuple[float, float] | None) -> str:
    """A disparity, in bold over its rule's threshold, with a dagger when too few cases."""
    number = _number(row.get(measure))
    if number is None:
        return "-"
    if rule is None or number <= rule[0]:
        return f"{number:.3f}"
    enough = (_number(row.get(DISPARITY_COUNTS[measure])) or 0) >= rule[1]
    return f"**{number:.3f}**" if enough else f"{number:.3f} \u2020"


def _figure(metric: str, value: float | None) -> str:
    if value is None:
        return f"{metric} -"
    if metric == "wape":
        return f"WAPE {100 * value:.1f}%"
    return f"{metric.upper() if len(metric) <= 4 else metric} {value:.3f}"


def _cell(key: str, value) -> str:
    number = _number(value)
    if number is None:
        return "-"
    if key in ("rows", "k"):
        return f"{int(round(number)):,}"
    if key in ("wape", "interval_coverage"):
        return f"{100 * number:.1f}%"
    return f"{number:.3f}"


def _when(value) -> str:
    if _text(value) is None:
        return "-"
    try:
        return f"{pd.Timestamp(value):%Y-%m-%d %H:%M} UTC"
    except (TypeError, ValueError):
        return str(value)


def _date(value) -> str:
    if _text(value) is None:
        return "-"
    try:
        return f"{pd.Timestamp(value):%Y-%m-%d}"
    except (TypeError, ValueError):
        return str(value)

"""Model health: are the models good enough, current, and fed clean data?"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, humanize, integer, number
from revenue_ml.governance.cards import gap_sentence

QUESTION = "Are the models good enough, up to date, and fed clean data?"

REGISTRY = [
    Col("model_name", "Model"),
    Col("model_version", "Version", "int"),
    Col("alias", "Alias"),
    Col("trained_at", "Trained", "date"),
    Col("training_rows", "Training rows", "int"),
    Col("quality", "Quality"),
    Col("quality_floor", "Floor", "number", 2),
    Col("passed_gate", "Passed its gate", "bool"),
    Col("alias_reason", "Why this alias"),
]
PROMOTIONS = [
    Col("promoted_at", "When", "date"),
    Col("model_name", "Model"),
    Col("model_version", "Version promoted", "int"),
    Col("previous_champion_version", "Previous champion", "int"),
    Col("promoted_by", "By"),
    Col("reason", "Why"),
]
DRIFT = [
    Col("model_name", "Model"),
    Col("feature", "Feature"),
    Col("psi", "Population stability (PSI)", "number", 3),
    Col("ks_statistic", "KS statistic", "number", 3),
    Col("batch_rows", "Rows scored", "int"),
    Col("is_drifted", "Drifted", "bool"),
    Col("flagged_by", "Flagged by"),
]
SCORECARD = [
    Col("model_name", "Model"),
    Col("domain", "Domain"),
    Col("headline", "Headline figure"),
    Col("baseline_name", "Baseline"),
    Col("baseline_figure", "Baseline's figure"),
    Col("lift_text", "Lift (margin)"),
    Col("serves", "Who scores, and why"),
]
#: The evaluation protocols in words (what a headline figure was measured by).
PROTOCOLS = {
    "as_of_backtest": "replaying past dates",
    "rolling_origin": "out of time, rolling origin",
    "time_holdout": "newest 20% held out",
    "test_split": "held-out 20%",
    "repeated_splits": "repeated 80/20 splits",
    "backtest_ensemble": "rolling backtest of past periods",
    "best_naive": "rolling backtest of past periods",
    "selection": "model selection",
}
ALERTS = [
    Col("severity", "Severity"),
    Col("message", "What fired"),
    Col("first_seen_at", "Since", "date"),
    Col("builds_firing", "Builds", "int"),
]
TRACK = [
    Col("data_as_of", "Predicted as of", "date"),
    Col("model_version", "Version", "int"),
    Col("predictions", "Predictions", "int"),
    Col("outcomes_known", "Outcomes known", "int"),
    Col("expected_text", "Promised"),
    Col("realised_text", "Came true"),
    Col("estimated_text", "Estimated (open ones)"),
]
CAME_TRUE = [
    Col("data_as_of", "Predicted as of", "date"),
    Col("entity_id", "Offer, customer or class", "id"),
    Col("prediction_text", "Predicted"),
    Col("decision", "Decision"),
    Col("outcome_text", "What happened"),
    Col("came_true", "Came true"),
]
#: The track record's headline metric per kind of model (the rest are in the table).
TRACK_METRICS = {"classifier": "auc", "forecast": "wape"}
QUALITY = [
    Col("source_name", "Source"),
    Col("table_name", "File"),
    Col("raw_rows", "Raw rows", "int"),
    Col("staged_rows", "Staged", "int"),
    Col("rejected_rows", "Rejected", "int"),
    Col("rejected_share", "Rejected share", "percent", 2),
    Col("is_reconciled", "Every row accounted for", "bool"),
]
SLICE_GAPS = [
    Col("gap_text", "Where it is worse than overall"),
    Col("business_label", "Attribute"),
    Col("row_count", "Rows", "int"),
    Col("positives", "Positives", "int"),
]
SMALL_GROUPS = [
    Col("model_name", "Model"),
    Col("business_label", "Attribute"),
    Col("group_text", "Group"),
    Col("row_count", "Rows", "int"),
]
DISPARITIES = [
    Col("model_name", "Model"),
    Col("business_label", "Personal attribute"),
    Col("parity_text", "Share selected, least and most"),
    Col("odds_text", "Error rates apart (equalized odds)"),
    Col("small_text", "Small groups left out"),
]
#: How each metric reads, and which way is better (each gets its own axis).
METRICS = {
    "auc": "AUC (higher is better)",
    "f1": "F1 (higher is better)",
    "precision": "Precision (higher is better)",
    "recall": "Recall (higher is better)",
    "brier": "Brier score (lower is better)",
    "wape": "WAPE (lower is better)",
    "silhouette": "Silhouette (higher is better)",
}


def protocol_words(protocol: str) -> str:
    """An evaluation name in words: cv_10fold -> "10-fold cross-validation"."""
    if protocol.startswith("grouped_cv_"):
        return f"{protocol.removeprefix('grouped_cv_').removesuffix('fold')}-fold cross-validation"
    if protocol.startswith("cv_"):
        return f"{protocol.removeprefix('cv_').removesuffix('fold')}-fold cross-validation"
    return PROTOCOLS.get(protocol, protocol.replace("_", " "))


def figure(metric: str, value) -> str:
    """A metric value as people read it: AUC 0.82, WAPE 38.1%."""
    if value is None or value != value:
        return "\u2014"
    if metric in ("wape",):
        return f"{metric.upper()} {100 * float(value):.1f}%"
    return f"{metric.upper() if len(metric) <= 4 else metric.capitalize()} {number(value, 3)}"


def scorecard(card):
    """The scorecard rows with their figures in words."""
    card = card.copy()
    card["headline"] = [
        f"{figure(m, v)} ({protocol_words(p)})"
        for m, v, p in zip(card["metric"], card["metric_value"], card["protocol"], strict=True)
    ]
    pairs = zip(card["metric"], card["baseline_value"], card["baseline_name"], strict=True)
    card["baseline_figure"] = [
        figure(m, v) if b is not None and b == b else "\u2014" for m, v, b in pairs
    ]
    card["lift_text"] = [
        "\u2014" if lift != lift or lift is None else f"{lift:+.3f} ({margin:g})"
        for lift, margin in zip(card["lift"], card["margin"], strict=True)
    ]
    card["serves"] = [
        f"{who}: {why}" if who is not None and who == who else why
        for who, why in zip(card["serving_model"], card["serving_reason"], strict=True)
    ]
    return card


def quality_chart(part, metric: str):
    """Each model's headline figure next to its baseline's, one chart per metric, values
    written on the bars (AUC from 0.5, chance, to 1)."""
    rows = []
    for r in part.itertuples(index=False):
        rows.append({"model": r.model_name, "who": "Model", "value": r.metric_value})
        if r.baseline_value == r.baseline_value and r.baseline_value is not None:
            rows.append({"model": r.model_name, "who": "Baseline", "value": r.baseline_value})
    frame = pd.DataFrame(rows)
    fig = px.bar(
        frame,
        x="value",
        y="model",
        color="who",
        barmode="group",
        orientation="h",
        text=frame["value"].map(lambda v: f"{v:.3f}" if metric != "wape" else f"{v:.1%}"),
        labels={"value": METRICS.get(metric, metric), "model": "", "who": ""},
        height=120 + 60 * frame["model"].nunique(),
    )
    if metric == "auc":
        fig.update_xaxes(range=[0.5, 1.0])
    fig.update_traces(textposition="outside")
    return fig


def render() -> None:
    snap = ui.snapshot()
    ui.header("Model health", QUESTION, alerts=False)  # the page lists every alert itself
    if not ui.require(snap, [data.REGISTRY, data.MODEL_METRICS, data.MODEL_DRIFT], "Models"):
        return
    registry = data.registry(snap)
    latest = registry[registry["is_latest_version"]]
    aliased = registry[registry["alias"].notna()]
    drift = data.drift(snap)
    accounting = data.row_accounting(snap) if snap.has("quality.raw_row_accounting") else None

    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Registered model versions", integer(len(registry)))
    k2.metric(
        "Latest versions passing their gate",
        f"{int(latest['passed_gate'].sum())} / {len(latest)}",
    )
    k2.caption(f"{int((registry['alias'] == 'challenger').sum())} challenger(s) waiting")
    k3.metric("Drifted features", integer(int(drift["is_drifted"].sum()) if len(drift) else 0))
    if accounting is not None:
        k4.metric("Rejected rows", integer(accounting["rejected_rows"].sum()))

    st.subheader("How good each model is")
    if snap.has(data.SCORECARD):
        card = scorecard(data.scorecard(snap))
        ui.table(card, SCORECARD)
        st.caption(
            "Each model's headline figure is its primary metric, measured by the protocol in "
            "brackets; the domain pages quote the same figures. A model scores only when it "
            "beats its simple baseline by the margin on the same evaluation; otherwise the "
            "baseline scores."
        )
        chart = card[card["metric"].isin(list(METRICS)) & card["metric_value"].notna()]
        for metric, part in chart.groupby("metric", sort=True):
            fig = quality_chart(part, metric)
            st.plotly_chart(fig, use_container_width=True)

    slices_section(snap)
    track_record_section(snap)

    st.subheader("Champions and challengers")
    aliased = aliased.assign(
        quality=[
            f"{figure(m.rsplit('.', 1)[-1], v)} ({protocol_words(m.split('.', 1)[0])})"
            for m, v in zip(aliased["primary_metric"], aliased["primary_metric_value"], strict=True)
        ]
    )
    ui.table(aliased, REGISTRY)
    st.caption(
        "Scoring uses each model's champion. A new version becomes champion only when it is "
        "at least as good as the current one on the same evaluation (var champion_margin); "
        "otherwise it waits as the challenger. Promote one by hand with "
        "`python -m revenue_ml.registry promote <model> <version> --reason ...`."
    )
    promotions = data.promotions(snap)
    if len(promotions):
        st.subheader("Promotions")
        ui.table(promotions, PROMOTIONS)

    st.subheader("Drift of the data being scored")
    if drift.empty:
        st.info("No scoring batch to compare with the training data in this build.")
    else:
        ui.table(drift, DRIFT)
        st.caption(
            "Each scoring model's batch against its own training data (the open-offer model "
            "against the open offers; a feature a model does not use is never compared)."
        )

    if accounting is not None:
        st.subheader("Data quality")
        accounting["source_name"] = accounting["source_name"].map(humanize)
        ui.table(accounting, QUALITY)
        if snap.has("quality.rejected_rows_by_reason"):
            rejects = data.rejects_by_source(snap)
            if len(rejects):
                rejects["reason"] = rejects["reject_reason"].str.replace("_", " ")
                fig = px.bar(
                    rejects,
                    x="rejected_rows",
                    y="source_name",
                    color="reason",
                    orientation="h",
                    labels={"source_name": "", "rejected_rows": "Rejected rows", "reason": ""},
                )
                st.plotly_chart(fig, use_container_width=True)


def metric_text(metric: str, value) -> str:
    if value is None or value != value:
        return "\u2014"
    if metric in ("wape", "interval_coverage", "precision", "recall"):
        return f"{100 * float(value):.1f}%"
    return number(value, 3)


def track_record_section(snap) -> None:
    """Did it come true? Open alerts, then per model: promised, realised and estimated over
    time, calibration by decile, and the latest predictions next to what happened."""
    st.subheader("Did it come true?")
    alerts = data.open_alerts(snap)
    if len(alerts):
        ui.table(alerts, ALERTS)
    else:
        st.caption("No alert is firing (rules: seeds/ml/alert_rules.csv).")
    if not snap.has(data.TRACK_RECORD):
        return
    track = data.track_record(snap)
    if track.empty:
        st.info(
            "No prediction has been logged yet: the track record starts with the first build "
            "that scores open offers, unlabelled customers or a coming period."
        )
        return
    track = track.assign(
        label=[
            m if c == "all" else f"{m} ({c})"
            for m, c in zip(track["model_name"], track["decision_context"], strict=True)
        ]
    )
    labels = sorted(track["label"].unique())
    # the page opens on the model of the first alert still firing that has a track record
    firing = [
        f"{model} ({subject.split('(')[-1].rstrip(')')})" if "(" in subject else model
        for model, subject in zip(
            alerts.get("model_name", []), alerts.get("subject", []), strict=True
        )
        if isinstance(model, str)
    ]
    default = next((label for label in firing if label in labels), labels[0])
    chosen = ui.url_select("Model", labels, "track", default=default)
    rows = track[track["label"] == chosen]
    model, context = rows["model_name"].iloc[0], rows["decision_context"].iloc[0]
    kind = "forecast" if rows["scoring_mart"].iloc[0] == "enrollment_forecast" else "classifier"
    metric = TRACK_METRICS[kind]
    head = rows[rows["metric"] == metric].copy()
    long = head.melt(
        id_vars=["data_as_of"],
        value_vars=["expected_value", "realised_value", "estimated_value"],
        var_name="figure",
        value_name="value",
    ).dropna(subset=["value"])
    long["figure"] = long["figure"].map(
        {
            "expected_value": "Promised by its evaluation",
            "realised_value": "Came true (known outcomes)",
            "estimated_value": "Estimated (outcomes still open)",
        }
    )
    if len(long):
        fig = px.line(
            long,
            x="data_as_of",
            y="value",
            color="figure",
            markers=True,
            labels={
                "data_as_of": "Predictions made as of",
                "value": METRICS.get(metric, metric),
                "figure": "",
            },
            height=320,
        )
        st.plotly_chart(fig, use_container_width=True)
    head["expected_text"] = [metric_text(metric, v) for v in head["expected_value"]]
    head["realised_text"] = [metric_text(metric, v) for v in head["realised_value"]]
    head["estimated_text"] = [metric_text(metric, v) for v in head["estimated_value"]]
    ui.table(head.sort_values("data_as_of", ascending=False), TRACK)
    st.caption(
        f"{METRICS.get(metric, metric)} of the predictions made on each date: what the model's "
        "evaluation promised, what came true on the outcomes known so far, and, for the ones "
        "still waiting, what its own probabilities expect (an estimate, not a measurement). "
        "Every metric per date is in ml.model_track_record."
    )
    if kind == "classifier":
        calibration = data.calibration(snap, model, context)
        if len(calibration) >= 2:
            fig = px.line(
                calibration,
                x="predicted",
                y="observed",
                markers=True,
                labels={
                    "predicted": "Predicted chance (decile mean)",
                    "observed": "Share that came true",
                },
                height=320,
            )
            fig.add_shape(
                type="line", x0=0, y0=0, x1=1, y1=1, line={"dash": "dot", "color": "grey"}
            )
            st.plotly_chart(fig, use_container_width=True)
            st.caption("On the diagonal, a predicted 30% came true 30% of the time.")
    latest = data.came_true(snap, model, context)
    if len(latest):
        if kind == "classifier":
            latest["prediction_text"] = [f"{100 * p:.0f}%" for p in latest["prediction"]]
            latest["outcome_text"] = ["yes" if o == 1 else "no" for o in latest["outcome"]]
        else:
            latest["prediction_text"] = [
                f"{p:.0f} ({lo:.0f}\u2013{hi:.0f})"
                for p, lo, hi in zip(
                    latest["prediction"],
                    latest["prediction_low"],
                    latest["prediction_high"],
                    strict=True,
                )
            ]
            latest["outcome_text"] = [f"{o:.0f} students" for o in latest["outcome"]]
        latest["came_true"] = ["yes" if t else "no" for t in latest["decision_came_true"]]
        ui.decision_list(latest, CAME_TRUE, "came_true", "predictions with a known outcome")


def slices_section(snap) -> None:
    """Where each model in use is worse than overall (ml.model_slice_metrics), in words, the
    worst first; small groups named, never compared; disparities on the personal attributes
    (ml.model_fairness); every version's model card. Group labels are aggregates; no person is
    ever listed."""
    st.subheader("Where each model is worse")
    slices = data.slices_in_use(snap)
    if slices.empty:
        st.caption(
            "No slice table in this snapshot (ml.model_slice_metrics is written by dbt build)."
        )
        return
    compared = slices[~slices["is_small_group"].astype(bool)]
    worse = compared[compared["worse_by"] > 0].copy()
    if len(worse):
        worse["gap_text"] = [gap_sentence(r) for r in worse.to_dict("records")]
        st.markdown(f"**Largest gap:** {worse['gap_text'].iloc[0]}.")
        ui.decision_list(worse, SLICE_GAPS, "slices", "groups worse than overall")
    else:
        st.info("No compared group is worse than its model's overall figure.")
    size = int(slices["min_group_size"].max())
    st.caption(
        "Each model in use, measured per group on its out-of-sample predictions only "
        "(out-of-fold and held-out rows; the forecast: its backtest per site): AUC for the "
        "classifiers (the campaign model at its F1 objective's threshold), WAPE for the "
        f"forecast. Groups of fewer than {size} rows are too small to compare and are listed "
        "apart. Every figure per group and decision threshold is in ml.model_slice_metrics "
        "(docs/governance.md)."
    )
    small = slices[slices["is_small_group"].astype(bool)].copy()
    if len(small):
        small["group_text"] = [
            f"{e} {g}" for e, g in zip(small["entity_label"], small["slice_group"], strict=True)
        ]
        with st.expander(f"Small groups, not compared ({len(small)})"):
            ui.table(small.sort_values(["model_name", "slice_attribute"]), SMALL_GROUPS)
    disparities_table(data.fairness_in_use(snap))
    cards_viewer(data.model_cards(snap))


def disparities_table(fairness) -> None:
    """Per model in use and personal attribute: the decision context where the shares
    selected are furthest apart, and where the error rates are."""
    if fairness.empty:
        return
    rows = []
    for (model, label), part in fairness.groupby(["model_name", "business_label"], sort=True):
        parity = part.sort_values("demographic_parity_difference", ascending=False).iloc[0]
        odds = part.sort_values("equalized_odds_difference", ascending=False).iloc[0]
        entity = parity["entity_label"]
        rows.append(
            {
                "model_name": model,
                "business_label": label,
                "parity_text": (
                    f"{100 * parity['lowest_selection_rate']:.0f}% of {entity} "
                    f"{parity['lowest_selection_group']}, "
                    f"{100 * parity['highest_selection_rate']:.0f}% of those "
                    f"{parity['highest_selection_group']}: "
                    f"{parity['demographic_parity_difference']:.2f} apart"
                    + _context(parity["decision_context"])
                )
                if parity["demographic_parity_difference"]
                == parity["demographic_parity_difference"]
                else "\u2014",
                "odds_text": (
                    f"{odds['equalized_odds_difference']:.2f}"
                    + _context(odds["decision_context"])
                    + f"; the rates rest on at least {int(odds['fewest_outcomes'])} of each "
                    "outcome per group"
                )
                if odds["equalized_odds_difference"] == odds["equalized_odds_difference"]
                else "\u2014",
                "small_text": parity["small_group_labels"]
                if isinstance(parity["small_group_labels"], str)
                else "none",
            }
        )
    st.markdown("**How differently the decisions treat the groups of a personal attribute**")
    ui.table(pd.DataFrame(rows), DISPARITIES)
    st.caption(
        "Groups are aggregates (no person is listed). Share selected: who the decision picks "
        "(to contact); apart = demographic parity difference. Error rates: the largest gap in "
        "true- or false-positive rate between two groups (equalized odds difference). Both "
        "over 0.20 raise an alert (seeds/ml/alert_rules.csv)."
    )


def _context(context: str) -> str:
    return "" if context == "all" else f" ({context} objective)"


def cards_viewer(cards) -> None:
    """One model version's card (ml.model_cards), chosen by model and version."""
    if cards.empty:
        return
    st.subheader("Model cards")
    model = ui.url_select("Model", sorted(cards["model_name"].unique()), "card_model")
    versions = cards[cards["model_name"] == model]
    labels = [
        f"v{int(v)}" + (f" ({a})" if isinstance(a, str) else "")
        for v, a in zip(versions["model_version"], versions["alias"], strict=True)
    ]
    chosen = ui.url_select("Version", labels, "card_version")
    card = versions.iloc[labels.index(chosen)]["card_markdown"]
    with st.container(border=True):
        st.markdown(card)
    st.caption(
        "Print a card: `python -m revenue_ml.governance card <model> [version]`; every "
        "registered version has one (ml.model_cards)."
    )

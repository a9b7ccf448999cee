"""Sales pipeline (reference 000): which open offers to work on first, and which to close."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, integer, money, percent

QUESTION = "Which open offers should the sales team work on first?"

WORKLIST = [
    Col("list_rank", "Rank", "int"),
    Col("offer_id", "Offer", "id"),
    Col("stage", "Stage"),
    Col("use_case", "Use case"),
    Col("price", "Price", "money"),
    Col("win_probability", "Chance to win", "probability"),
    Col("expected_value", "Expected value", "money"),
    Col("age_days", "Open for", "days"),
    Col("why", "Why"),
]
DEAD = [
    Col("list_rank", "Rank", "int"),
    Col("offer_id", "Offer", "id"),
    Col("stage", "Stage"),
    Col("use_case", "Use case"),
    Col("price", "Price", "money"),
    Col("age_days", "Open for", "days"),
    Col("win_probability", "Chance to win", "probability"),
    Col("why", "Why"),
]
DETAILS = [
    Col("offer_id", "Offer", "id"),
    Col("win_probability_at_creation", "Chance on the first day", "probability"),
    Col("win_probability", "Chance now", "probability"),
    Col("lead_source", "Lead source"),
    Col("city", "City"),
    Col("model_name", "Model"),
    Col("model_version", "Version", "int"),
]


def horizon_days(snap: data.Snapshot) -> int | None:
    """The by_age question's horizon (var ``sales_win_horizon_days``)."""
    if not snap.has(data.BUILD_SETTINGS):
        return None
    value = snap.scalar(
        f"select setting_value from {data.BUILD_SETTINGS} "
        "where domain = 'sales' and setting = 'win_horizon_days'"
    )
    return None if value is None else int(float(value))


def how_sure(snap: data.Snapshot, rows, horizon: int | None) -> None:
    """The scoring version's as-of backtest, in words, and which model scores and why."""
    name, version = rows["model_name"].iloc[0], int(rows["model_version"].iloc[0])
    tested = data.metrics(snap, name, version, "as_of_backtest")
    within = f"within {horizon} days" if horizon else "within the horizon"
    if tested:
        st.info(
            "**How sure is this?** Tested by replaying "
            f"{integer(tested['windows'])} past dates: each day's open offers were scored at "
            f"their age then and compared with what happened {within} "
            f"({integer(tested['rows_evaluated'])} offer-days): AUC {tested['auc']:.2f}; "
            f"{percent(tested['positive_rate'])} of them closed won {within}; the chances "
            f"stated were {percent(tested['expected_calibration_error'], 1)} off on average "
            f"(calibration error); of the offers it called likely to win, "
            f"{percent(tested['precision'])} were won. "
            f"Scored by `{name}` v{version}: {rows['serving_reason'].iloc[0]}.",
            icon=":material/insights:",
        )


def render() -> None:
    snap = ui.snapshot()
    ui.header("Sales pipeline", QUESTION, domain="sales")
    if not ui.require(snap, [data.OPEN_OFFERS], "Sales pipeline"):
        return
    cur = data.currency(snap, "sales")
    horizon = horizon_days(snap)
    every = data.open_offers(snap, {})
    work = every[~every["is_likely_dead"]]
    dead = every[every["is_likely_dead"]]
    chance = f"chance to close won within {horizon} days" if horizon else "chance to close won"

    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Offers to work on", integer(len(work)))
    k2.metric(
        "Expected value of the worklist",
        money(work["expected_value"].sum(), cur),
        help=f"Sum over the worklist of price x {chance}.",
    )
    k3.metric("Likely to win", integer(int(work["is_likely_to_win"].sum())))
    k4.metric(
        "Likely dead: close or requalify",
        integer(len(dead)),
        help="Open longer than the age by which almost every won offer had closed.",
    )
    if len(every):
        how_sure(snap, every, horizon)

    st.subheader("Offers to work on")
    if len(every):
        limit = int(every["likely_dead_after_days"].iloc[0])
        share = percent(every["won_closed_within_dead_age_share"].iloc[0])
        st.caption(
            f"Open offers up to {limit} days old ({share} of won offers closed within {limit} "
            f"days), ranked by expected value = price x {chance}, given how long each has been "
            f"open. Ages at {every['as_of_date'].iloc[0]:%Y-%m-%d}, the latest date in the data."
        )
    f1, f2, f3, f4 = st.columns(4)
    with f1:
        stages = ui.url_multiselect("Stage", data.options(snap, data.OPEN_OFFERS, "stage"), "stage")
    with f2:
        use_cases = ui.url_multiselect(
            "Use case", data.options(snap, data.OPEN_OFFERS, "use_case"), "use_case"
        )
    with f3:
        sources = ui.url_multiselect(
            "Lead source", data.options(snap, data.OPEN_OFFERS, "lead_source"), "source"
        )
    with f4:
        search = ui.url_text("Offer", "q", placeholder="search an offer id")
    filters = {"stage": stages, "use_case": use_cases, "lead_source": sources}
    rows = data.open_offers(snap, filters, search, likely_dead=False)
    ui.decision_list(rows, WORKLIST, "list", "offers to work on", cur, "offers_to_work_on.csv")

    st.subheader("Likely dead: close or requalify")
    if len(dead):
        st.caption(
            f"{integer(len(dead))} open offers worth {money(dead['price'].sum(), cur)} at list "
            f"price have been open longer than almost every won offer took "
            f"({integer(dead['age_days'].median())} days at the median): update their stage, "
            "close them, or requalify them with the customer. Largest first."
        )
    dead_rows = data.open_offers(snap, filters, search, likely_dead=True)
    ui.decision_list(dead_rows, DEAD, "dead", "likely dead offers", cur, "offers_likely_dead.csv")

    left, right = st.columns(2)
    with left:
        st.subheader("Expected value by stage (worklist)")
        by_stage = work.groupby("stage", as_index=False).agg(
            expected_value=("expected_value", "sum"), offers=("offer_id", "count")
        )
        fig = px.bar(
            by_stage.sort_values("expected_value"),
            x="expected_value",
            y="stage",
            orientation="h",
            hover_data={"offers": True},
            labels={"expected_value": f"Expected value ({cur})", "stage": "Stage"},
        )
        st.plotly_chart(fig, use_container_width=True)
    with right:
        st.subheader("What drives a win")
        if len(every):
            name, version = every["model_name"].iloc[0], int(every["model_version"].iloc[0])
            ui.importance_chart(snap, "sales", name, version)

    with st.expander("Details"):
        if len(every):
            st.markdown(
                f"Scored by `{every['model_name'].iloc[0]}` version "
                f"{int(every['model_version'].iloc[0])} (threshold "
                f"{every['threshold'].iloc[0]:.3f}): {every['serving_reason'].iloc[0]}. "
                "The chance on the first day is the at-creation model's "
                "(`offer_close_at_open`), shown for comparison."
            )
            ui.table(rows.head(ui.PAGE_SIZE), DETAILS)
        st.dataframe(
            snap.df(
                "select model_name, evaluation, rows_evaluated, auc, brier, "
                "expected_calibration_error, precision, recall, f1 "
                f"from {data.MODEL_METRICS} where is_latest_version and domain = 'sales' "
                "order by model_name, evaluation"
            ),
            hide_index=True,
        )

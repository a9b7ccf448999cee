"""Enrollment (reference 003): which classes of the next period will fall below their minimum."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui
from dashboard.format import Col, integer, number, percent

QUESTION = "Which classes next period will fall below their minimum size?"

AT_RISK = [
    Col("sede", "Site"),
    Col("curso_actual", "Course"),
    Col("horario_actual", "Schedule"),
    Col("predict_alumnos", "Forecast students", "int"),
    Col("forecast_range", "Likely range"),
    Col("minimum_students", "Minimum", "int"),
    Col("shortfall_students", "Short by", "int"),
    Col("risk_certainty", "How sure"),
    Col("students_last_period", "Students now", "int"),
    Col("situation", "Situation"),
]
BACKTEST = [
    Col("method_label", "Method"),
    Col("classes", "Classes tested", "int"),
    Col("actual_students", "Actual students", "int"),
    Col("forecast_students", "Forecast students", "int"),
    Col("wape", "Error (WAPE)", "percent", 1),
    Col("mae", "Error per class (students)", "number", 2),
    Col("bias", "Bias per class (students)", "number", 2),
]
METHODS = {
    "ensemble": "Forecaster (best method per class)",
    "model": "Model",
    "naive_last": "Same as last period",
    "seasonal_naive": "Same as a year ago",
}
#: Running classes first (the ones to merge, promote or cancel), then classes that would open
#: below the minimum, then classes that end; within each, the closest to the minimum first.
AT_RISK_ORDER = (
    "case risk_reason when 'running class below minimum' then 0 "
    "when 'potential new class below minimum' then 1 else 2 end, "
    "predict_alumnos desc, sede, curso_actual, horario_actual"
)
KEY_LABELS = {"sede": "Site", "curso_actual": "Course", "horario_actual": "Schedule"}


def render() -> None:
    snap = ui.snapshot()
    ui.header("Enrollment", QUESTION, domain="enrollment")
    if not ui.require(snap, [data.ENROLLMENT_FORECAST, data.ENROLLMENT_AT_RISK], "Enrollment"):
        return

    filters: dict[str, list[str]] = {}
    for box, key in zip(st.columns(3), data.CLASS_KEYS, strict=True):
        with box:
            filters[key] = ui.url_multiselect(
                KEY_LABELS[key], data.options(snap, data.ENROLLMENT_FORECAST, key), key
            )
    forecast = data.filtered(snap, data.ENROLLMENT_FORECAST, filters)
    at_risk = data.filtered(snap, data.ENROLLMENT_AT_RISK, filters, order=AT_RISK_ORDER)
    period = int(forecast["periodo"].min()) if len(forecast) else None
    running = forecast[forecast["predict_alumnos"] > 0]
    forecast_methods = sorted(forecast["forecast_method"].dropna().unique().tolist())
    method = ", ".join(METHODS.get(m, m) for m in forecast_methods)

    total = total_range(snap, filters, forecast)
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(
        "Forecast students (next period)",
        integer(forecast["predict_alumnos"].sum()),
        help=total["note"] if total else None,
    )
    k2.metric("Classes expected to run", integer(len(running)))
    k3.metric("Classes below minimum", integer(len(at_risk)))
    k4.metric("Forecast period", str(period) if period else "-")
    if total:
        st.caption(total["text"])

    if snap.has(data.ENROLLMENT_BACKTEST):
        overall = snap.df(
            f"select * from {data.ENROLLMENT_BACKTEST} where scope = 'overall' order by wape"
        )
        if len(overall):
            st.info(f"**How sure is this?** {how_sure(overall)}", icon=":material/insights:")

    st.subheader("Classes below their minimum size")
    at_risk = at_risk.assign(forecast_range=forecast_range(at_risk))
    if len(at_risk):
        counts = at_risk["risk_reason"].value_counts()
        st.caption(
            f"{integer(counts.get('running class below minimum', 0))} running classes below "
            f"their minimum, {integer(counts.get('potential new class below minimum', 0))} "
            "classes that would open below it, "
            f"{integer(counts.get('no students forecast: class ends', 0))} classes that end "
            "(no students forecast). Running classes first, closest to the minimum first."
        )
    ui.decision_list(
        at_risk, AT_RISK, "list", "classes below minimum", file_name="classes_below_minimum.csv"
    )

    st.subheader("Students per period")
    fig = go.Figure()
    history = None
    if snap.has(data.ENROLLMENT_HISTORY):
        history = data.enrollment_history(snap, filters)
        fig.add_scatter(
            x=history["periodo"].astype(str),
            y=history["active_students"],
            mode="lines+markers",
            name="Students (actual)",
        )
    by_period = forecast.groupby("periodo", as_index=False)[
        ["predict_alumnos", "predicted_students_low", "predicted_students_high"]
    ].sum(min_count=1)
    if total and total["low"] is not None:
        # a fan from the last actual period to the total's range
        start_x, start_y = [], []
        if history is not None and len(history):
            start_x, start_y = (
                [str(history["periodo"].iloc[-1])],
                [history["active_students"].iloc[-1]],
            )
        xs = start_x + by_period["periodo"].astype(str).tolist()
        fig.add_scatter(
            x=xs + xs[::-1],
            y=start_y + [total["high"]] + [total["low"]] + start_y,
            fill="toself",
            mode="lines",
            line={"width": 0},
            fillcolor="rgba(99, 110, 250, 0.2)",
            name="Likely range of the total",
            hoverinfo="skip",
        )
    fig.add_scatter(
        x=by_period["periodo"].astype(str),
        y=by_period["predict_alumnos"],
        mode="markers",
        marker={"size": 12, "symbol": "diamond"},
        name="Forecast",
    )
    fig.update_layout(xaxis_title="Period", yaxis_title="Students", xaxis_type="category")
    st.plotly_chart(fig, use_container_width=True)
    st.caption(f"Method: {method}.")

    if snap.has(data.ENROLLMENT_BACKTEST):
        st.subheader("How the forecast did in the past (backtest)")
        sites = filters.get("sede") or []
        scope = "site" if sites else "overall"
        backtest = data.filtered(
            snap,
            data.ENROLLMENT_BACKTEST,
            {"scope": scope, "sede": sites},
            order="wape",
        )
        if scope == "site" and len(backtest):
            # the chosen sites together: errors summed, then divided (not an average of rates)
            backtest = backtest.assign(
                abs_error=backtest["mae"] * backtest["classes"],
                signed_error=backtest["bias"] * backtest["classes"],
            )
            backtest = backtest.groupby("method", as_index=False)[
                ["classes", "actual_students", "forecast_students", "abs_error", "signed_error"]
            ].sum()
            backtest["mae"] = backtest["abs_error"] / backtest["classes"]
            backtest["bias"] = backtest["signed_error"] / backtest["classes"]
            backtest["wape"] = backtest["abs_error"] / backtest["actual_students"]
            backtest = backtest.sort_values("wape")
        backtest["method_label"] = backtest["method"].map(lambda m: METHODS.get(m, m))
        coverage = [Col("interval_coverage", "Range held the actual", "percent")]
        ui.table(backtest, BACKTEST + (coverage if "interval_coverage" in backtest else []))
        used = backtest[backtest["method"] == (forecast_methods[0] if forecast_methods else "")]
        st.caption(
            "Each past period forecast from the periods before it only (rolling origin). "
            + (f"Sites: {', '.join(sites)}." if sites else "All sites.")
            + (
                f" The method in use erred by {number(used['mae'].iloc[0], 2)} students per "
                "class on average."
                if len(used)
                else ""
            )
            if len(backtest)
            else ""
        )


def total_range(snap: data.Snapshot, filters: dict, forecast: pd.DataFrame) -> dict | None:
    """The next period's total with its range, when the page shows every class (the mart's
    range is for the whole total; a filtered subset has none of its own)."""
    if any(filters.values()) or not snap.has(data.ENROLLMENT_TOTAL) or not len(forecast):
        return None
    row = snap.df(f"select * from {data.ENROLLMENT_TOTAL} order by periodo limit 1")
    if row.empty:
        return None
    row = row.iloc[0]
    if pd.isna(row["predicted_students_low"]):
        return {"low": None, "note": None, "text": ""}
    level = float(row["interval_level"])
    calibrated = str(row["interval_method"]).startswith("conformal")
    how = (
        f"a {percent(level)} range calibrated on the {integer(row['backtest_periods'])} past "
        "periods' totals"
        if calibrated
        else f"the largest error of the {integer(row['backtest_periods'])} past periods' "
        f"totals applied to this one: too few periods for a calibrated {percent(level)} "
        f"range; the total erred by {integer(row['backtest_mean_abs_error'])} students on "
        "average there"
    )
    text = (
        f"All classes together: {integer(row['predict_alumnos'])} students, likely between "
        f"{integer(row['predicted_students_low'])} and {integer(row['predicted_students_high'])} "
        f"({how})."
    )
    return {
        "low": float(row["predicted_students_low"]),
        "high": float(row["predicted_students_high"]),
        "level": level,
        "note": text,
        "text": text,
    }


def forecast_range(frame: pd.DataFrame) -> pd.Series:
    """'low–high' students per class, '—' without an interval."""
    return pd.Series(
        [
            "—" if pd.isna(lo) or pd.isna(hi) else f"{int(lo):,}–{int(hi):,}"
            for lo, hi in zip(
                frame["predicted_students_low"], frame["predicted_students_high"], strict=True
            )
        ],
        index=frame.index,
        dtype=object,
    )


def how_sure(overall: pd.DataFrame) -> str:
    """The backtest in one sentence: the method in use, its error against the best rule of
    thumb, and how often its range held the actual class size."""
    used = overall[overall["is_forecast_method"].fillna(False).astype(bool)]
    naive = overall[overall["method"].isin(["naive_last", "seasonal_naive"])]
    if not len(used):
        return "The forecast method is unknown."
    row = used.iloc[0]
    label = METHODS.get(row["method"], row["method"])
    note = f"Forecast by **{label}**: in the backtest it erred by {percent(row['wape'], 1)}"
    note += " of students"
    if len(naive) and row["method"] not in ("naive_last", "seasonal_naive"):
        best = naive.sort_values("wape").iloc[0]
        note += (
            f", the best rule of thumb (\u201c{METHODS[best['method']]}\u201d) by "
            f"{percent(best['wape'], 1)}."
        )
    elif row["method"] in ("naive_last", "seasonal_naive"):
        note += ": the forecaster did worse than this rule of thumb, so the rule is used."
    else:
        note += "."
    if "interval_coverage" in overall and pd.notna(row.get("interval_coverage")):
        unforeseen = int(row["classes"]) - int(row["interval_rows"])
        note += (
            f" Its {percent(row['interval_level'])} range held the actual size of "
            f"{percent(row['interval_coverage'])} of the {integer(row['interval_rows'])} "
            f"classes it gave a range for"
            + (
                f" (of {integer(row['classes'])} tested: {integer(unforeseen)} classes had no "
                "earlier students to forecast from or no earlier errors to size a range)."
                if unforeseen > 0
                else "."
            )
        )
    return note

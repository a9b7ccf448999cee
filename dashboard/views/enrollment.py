"""Enrollment (reference 003): which classes of the next period will fall below their minimum."""

from __future__ import annotations

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
    Col("minimum_students", "Minimum", "int"),
    Col("shortfall_students", "Short by", "int"),
    Col("students_last_period", "Students now", "int"),
    Col("risk_reason", "Situation"),
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
    "model": "Model",
    "naive_last": "Same as last period",
    "seasonal_naive": "Same as a year ago",
}
KEY_LABELS = {"sede": "Site", "curso_actual": "Course", "horario_actual": "Schedule"}


def render() -> None:
    snap = ui.snapshot()
    ui.header("Enrollment", QUESTION)
    if not ui.require(snap, [data.ENROLLMENT_FORECAST, data.ENROLLMENT_AT_RISK], "Enrollment"):
        return

    filters: dict[str, list[str]] = {}
    for box, key in zip(st.columns(3), data.CLASS_KEYS, strict=True):
        with box:
            filters[key] = ui.url_multiselect(
                KEY_LABELS[key], data.options(snap, data.ENROLLMENT_FORECAST, key), key
            )
    forecast = data.filtered(snap, data.ENROLLMENT_FORECAST, filters)
    at_risk = data.filtered(
        snap, data.ENROLLMENT_AT_RISK, filters, order="predict_alumnos desc, sede, curso_actual"
    )
    period = int(forecast["periodo"].min()) if len(forecast) else None
    running = forecast[forecast["predict_alumnos"] > 0]
    method = ", ".join(sorted(METHODS.get(m, m) for m in forecast["forecast_method"].unique()))

    k1, k2, k3, k4 = st.columns(4)
    k1.metric("Forecast students (next period)", integer(forecast["predict_alumnos"].sum()))
    k2.metric("Classes expected to run", integer(len(running)))
    k3.metric("Classes below minimum", integer(len(at_risk)))
    k4.metric("Forecast period", str(period) if period else "-")

    if snap.has(data.ENROLLMENT_BACKTEST):
        overall = snap.df(
            f"select * from {data.ENROLLMENT_BACKTEST} where scope = 'overall' order by wape"
        )
        if len(overall):
            best = overall.iloc[0]
            model = overall[overall["method"] == "model"]
            used = overall[overall["is_forecast_method"]]
            note = (
                f"Forecast by **{METHODS.get(used['method'].iloc[0], used['method'].iloc[0])}**"
                if len(used)
                else "Forecast method unknown"
            )
            if len(model) and model["method"].iloc[0] != best["method"]:
                note += (
                    f": in the backtest the model erred by {percent(model['wape'].iloc[0], 1)} "
                    f"of students, the rule \u201c{METHODS.get(best['method'], best['method'])}"
                    f"\u201d by {percent(best['wape'], 1)}, so the rule is used."
                )
            else:
                note += (
                    f": it erred by {percent(best['wape'], 1)} of students in the backtest, "
                    "less than either rule of thumb."
                )
            st.info(f"**How sure is this?** {note}", icon=":material/insights:")

    st.subheader("Classes below their minimum size")
    ui.decision_list(
        at_risk, AT_RISK, "list", "classes below minimum", file_name="classes_below_minimum.csv"
    )

    st.subheader("Students per period")
    fig = go.Figure()
    if snap.has(data.ENROLLMENT_HISTORY):
        history = data.enrollment_history(snap, filters)
        fig.add_scatter(
            x=history["periodo"].astype(str),
            y=history["active_students"],
            mode="lines+markers",
            name="Students (actual)",
        )
    by_period = forecast.groupby("periodo", as_index=False)["predict_alumnos"].sum()
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
        ui.table(backtest, BACKTEST)
        st.caption(
            "Each past period forecast from the periods before it only (rolling origin). "
            + (f"Sites: {', '.join(sites)}." if sites else "All sites.")
            + f" Average error per class: {number(backtest['mae'].mean(), 2)} students."
            if len(backtest)
            else ""
        )

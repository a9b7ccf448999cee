"""Enrollment (reference 003): history and forecast per site, course and schedule; backtests;
classes at risk of cancellation."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui

LABELS = {"sede": "Site", "curso_actual": "Course", "horario_actual": "Schedule"}


def render() -> None:
    snap = ui.snapshot()
    st.title("Enrollment")
    st.caption(
        "Students per period, the forecast of the next period per class (periodo, sede, "
        "curso_actual, horario_actual -> predict_alumnos, "
        "enrollment.enrollment_forecast) and "
        "the classes at risk of cancellation (enrollment.enrollment_classes_at_risk)."
    )
    required = [data.ENROLLMENT_FORECAST, data.ENROLLMENT_AT_RISK]
    if not ui.require(snap, required, "Enrollment forecast"):
        return

    filters: dict[str, str | None] = {}
    cols = st.columns(3)
    for box, key in zip(cols, data.CLASS_KEYS, strict=True):
        options = data.class_options(snap, data.ENROLLMENT_FORECAST, key)
        choice = box.selectbox(LABELS[key], ["All", *options]) if options else "All"
        filters[key] = None if choice == "All" else choice

    forecast = data.filtered(snap, data.ENROLLMENT_FORECAST, filters)
    at_risk = data.filtered(snap, data.ENROLLMENT_AT_RISK, filters)
    next_period = (
        forecast[forecast["periodo"] == forecast["periodo"].min()] if len(forecast) else forecast
    )
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(
        "Forecast students (next period)", ui.fmt_int(int(next_period["predict_alumnos"].sum()))
    )
    k2.metric("Classes forecast", ui.fmt_int(len(next_period)))
    k3.metric("Classes at risk", ui.fmt_int(len(at_risk)))
    methods = (
        sorted(forecast["forecast_method"].dropna().astype(str).unique()) if len(forecast) else []
    )
    k4.metric("Forecast method", ", ".join(methods) or "-")

    fig = go.Figure()
    if snap.has(data.ENROLLMENT_HISTORY):
        history = data.enrollment_history(snap, filters)
        fig.add_scatter(
            x=history["periodo"].astype(str),
            y=history["active_students"],
            mode="lines+markers",
            name="students (history)",
        )
    by_period = forecast.groupby("periodo", as_index=False)["predict_alumnos"].sum()
    fig.add_scatter(
        x=by_period["periodo"].astype(str),
        y=by_period["predict_alumnos"],
        mode="lines+markers",
        name="forecast",
        line={"dash": "dash"},
    )
    fig.update_layout(xaxis_title="periodo", yaxis_title="students", xaxis_type="category")
    st.plotly_chart(fig, use_container_width=True)

    st.subheader("Classes at risk")
    st.caption(f"{ui.fmt_int(len(at_risk))} classes forecast below their minimum size.")
    st.dataframe(at_risk, hide_index=True, use_container_width=True)

    st.subheader("Forecast")
    st.dataframe(forecast, hide_index=True, use_container_width=True)
    ui.download(forecast, "enrollment_forecast.csv", "Download forecast (CSV)")

    if snap.has("enrollment.enrollment_backtest_metrics"):
        st.subheader("Backtest (rolling origin)")
        st.dataframe(
            snap.df(
                "select * from enrollment.enrollment_backtest_metrics "
                "where scope = 'period' order by periodo, method"
            ),
            hide_index=True,
            use_container_width=True,
        )

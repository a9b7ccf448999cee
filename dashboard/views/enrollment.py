"""Enrollment: history and forecast per site, course and schedule; classes at risk."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui

LABELS = {"sede": "Site", "curso_actual": "Course", "horario_actual": "Schedule"}


def render() -> None:
    snap = ui.snapshot()
    st.title("Enrollment")
    st.caption("Enrollments per period, the forecast of the next periods and the classes at "
               "risk (marts.enrollment_forecast).")
    if not ui.require(snap, [data.ENROLLMENT_FORECAST], "Enrollment forecast"):
        return

    source = data.ENROLLMENT_HISTORY if snap.has(data.ENROLLMENT_HISTORY) else None
    filters: dict[str, str | None] = {}
    cols = st.columns(3)
    for box, key in zip(cols, data.CLASS_KEYS, strict=True):
        options = data.class_options(snap, source or data.ENROLLMENT_FORECAST, key)
        choice = box.selectbox(LABELS[key], ["All", *options]) if options else "All"
        filters[key] = None if choice == "All" else choice

    forecast = data.filtered(snap, data.ENROLLMENT_FORECAST, filters)
    fig = go.Figure()
    if source:
        history = data.enrollment_history(snap, filters)
        fig.add_scatter(x=history["periodo"].astype(str), y=history["enrollments"],
                        mode="lines+markers", name="enrollments (history)")
    period = data.pick(list(forecast.columns), "periodo", "period", "forecast_periodo",
                       "target_periodo")
    value = data.pick(list(forecast.columns), "forecast_enrollments", "forecast", "yhat",
                      "predicted_enrollments", "enrollments_forecast")
    if period and value and len(forecast):
        by_period = forecast.groupby(period, as_index=False)[value].sum()
        fig.add_scatter(x=by_period[period].astype(str), y=by_period[value],
                        mode="lines+markers", name="forecast", line={"dash": "dash"})
        st.metric("Forecast enrollments (next period)",
                  ui.fmt_int(round(by_period[value].iloc[0])))
    fig.update_layout(xaxis_title="period", yaxis_title="enrollments")
    st.plotly_chart(fig, use_container_width=True)

    st.subheader("Forecast")
    st.dataframe(forecast, hide_index=True, use_container_width=True)
    if snap.has("marts.enrollment_backtest_metrics"):
        st.subheader("Backtest metrics")
        st.dataframe(snap.df("select * from marts.enrollment_backtest_metrics"),
                     hide_index=True, use_container_width=True)

    st.subheader("Classes at risk")
    at_risk_tables = snap.tables_like(r"^marts\..*(at_risk|risk_classes|classes_at_risk)")
    if not at_risk_tables:
        ui.not_built(["marts.<classes at risk>"], "Classes at risk")
    for table in at_risk_tables:
        frame: pd.DataFrame = data.filtered(snap, table, filters)
        st.caption(f"{ui.fmt_int(len(frame))} classes at risk ({table})")
        st.dataframe(frame, hide_index=True, use_container_width=True)

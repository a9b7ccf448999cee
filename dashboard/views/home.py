"""Landing page: the question each page answers, with its headline figure."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.format import integer, money

QUESTIONS = {
    "sales": "Which open offers should the sales team work on first?",
    "churn": "Which active customers should the retention team call first?",
    "campaign": "Whom should the next campaign contact, and what will it cost and bring?",
    "ecommerce": "Who qualifies for the Insiders programme, and what does each segment need?",
    "enrollment": "Which classes next period will fall below their minimum size?",
    "model-health": "Are the models good enough, up to date, and fed clean data?",
    "score": "What does the model say about my own file of customers or offers?",
}


def headline(snap: data.Snapshot, page: str) -> str:
    """One figure per page, from the same marts the page reads."""
    if page == "sales" and snap.has(data.OPEN_OFFERS):
        row = snap.df(
            "select count(*) filter (where not is_likely_dead) n, "
            "sum(expected_value) filter (where not is_likely_dead) v, "
            f"count(*) filter (where is_likely_dead) d from {data.OPEN_OFFERS}"
        )
        cur = data.currency(snap, "sales")
        return (
            f"{integer(row['n'][0])} offers to work on, {money(row['v'][0], cur)} expected "
            f"value; {integer(row['d'][0])} likely dead to close or requalify"
        )
    if page == "churn" and snap.has(data.CHURN_RISK):
        row = snap.df(
            "select count(*) filter (where is_at_risk) n, "
            "sum(revenue_at_risk) filter (where is_at_risk) v, count(*) a, "
            f"sum(revenue_at_risk) t from {data.CHURN_RISK}"
        )
        cur = data.currency(snap, "churn")
        if row["n"][0]:
            return (
                f"{integer(row['n'][0])} customers at risk, "
                f"{money(row['v'][0], cur)} revenue at risk"
            )
        return (
            f"no active customer above the risk threshold; {integer(row['a'][0])} active "
            f"customers ranked, {money(row['t'][0], cur)} revenue at risk in all"
        )
    if page == "campaign" and snap.has(data.CAMPAIGN_PLAN):
        row = snap.df(f"select * from {data.CAMPAIGN_PLAN} order by expected_profit desc limit 1")
        cur = data.currency(snap, "campaign")
        return (
            f"best expected profit {money(row['expected_profit'][0], cur)} "
            f"({row['objective'][0].replace('_', ' ')}, {integer(row['contacts'][0])} contacts)"
        )
    if page == "ecommerce" and snap.has("ecommerce.customer_segments"):
        n = snap.scalar("select count(*) from ecommerce.customer_segments where is_insider")
        return f"{integer(n)} eligible customers"
    if page == "enrollment" and snap.has(data.ENROLLMENT_AT_RISK):
        n = snap.scalar(f"select count(*) from {data.ENROLLMENT_AT_RISK}")
        return f"{integer(n)} classes below their minimum"
    if page == "model-health" and snap.has(data.REGISTRY):
        row = snap.df(
            f"select count(*) n, count(*) filter (where passed_gate) p from {data.REGISTRY} "
            "where is_latest_version"
        )
        return f"{row['p'][0]} of {row['n'][0]} models pass their quality gate"
    return ""


def render() -> None:
    snap = ui.snapshot()
    ui.header("Revenue ML", "What should each team act on today?")
    for page in st.session_state.get("_pages", []):
        if page.url_path not in QUESTIONS:
            continue
        figure = headline(snap, page.url_path)
        st.page_link(
            page,
            label=f"**{page.title}** \u2014 {QUESTIONS[page.url_path]}"
            + (f"  \n{figure}" if figure else ""),
        )
    st.caption(
        "Every figure comes from the snapshot the last dbt build published; the dashboard "
        "never opens the warehouse, so it stays up while dbt rebuilds."
    )

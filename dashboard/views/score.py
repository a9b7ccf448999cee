"""Score a file: upload records in a raw file's own format, download them scored."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.format import Col, integer

QUESTION = "What does the model say about my own file of customers or offers?"

#: The domains a file can be scored for: (label, scorer domain, the raw file it looks like).
DOMAINS = {
    "Churn: telecom customers": ("churn", "the BigML churn file (churn-bigml-80.csv)"),
    "Sales: offers": ("offers", "the sales offers file (offers.csv)"),
    "Campaign: customers": ("campaign", "the iFood campaign file (marketing_campaign.csv)"),
}
ERRORS = [
    Col("line", "Line in the file", "int"),
    Col("column", "Column"),
    Col("value", "Value"),
    Col("message", "What to fix"),
]


def read_upload(data: bytes) -> pd.DataFrame:
    """The uploaded CSV, every value as text (tab-separated when its header holds a tab, as
    the campaign file)."""
    text = data.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    return pd.read_csv(
        io.StringIO(text), sep="\t" if "\t" in header else ",", dtype=str, keep_default_na=False
    )


def render() -> None:
    from revenue_ml import score

    snap = ui.snapshot()
    ui.header("Score a file", QUESTION)
    label = ui.url_select("What the file holds", list(DOMAINS), "domain")
    domain, looks_like = DOMAINS[label]
    st.caption(
        f"Upload a CSV with the columns of {looks_like}; the outcome column may be empty. "
        "Each row is scored by the registered champion model, with the same feature code as "
        "the warehouse, and comes back with its probability, the decision at the model's "
        "threshold and the reasons."
    )
    upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key=f"upload_{domain}")
    if upload is None:
        return
    try:
        raw = read_upload(upload.getvalue())
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        st.error(f"{upload.name} could not be read as a CSV: {err}. Fix: save it as UTF-8 CSV.")
        return
    try:
        tables = score.read_tables(domain, snapshot=snap.info.path.parent)
        scored, errors = score.score_records(domain, raw, tables, explain=True)
    except (ValueError, LookupError, FileNotFoundError) as err:
        st.error(f"{upload.name}: {err}")
        return

    k1, k2, k3 = st.columns(3)
    k1.metric("Rows in the file", integer(len(raw)))
    k2.metric("Rows scored", integer(len(scored)))
    k3.metric("Rows with errors", integer(errors["record"].nunique() if len(errors) else 0))
    if len(errors):
        st.subheader("Rows that could not be scored")
        ui.table(errors.assign(line=errors["record"] + 2), ERRORS)
    if len(scored):
        st.subheader("Scored rows")
        shown = [c for c in raw.columns[:4]]
        cols = [Col(c, c) for c in shown] + [
            Col("probability", "Probability", "probability"),
            Col("predicted_label", "Decision at the threshold", "bool"),
            Col("reasons", "Why"),
        ]
        ui.decision_list(scored, cols, "scored", "scored rows")
        ui.download(scored, f"{upload.name.rsplit('.', 1)[0]}_scored.csv", "Download scored file")

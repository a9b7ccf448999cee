"""Score a file: upload records in a raw file's own format, download them scored.

Limits (settings, said on the page before the upload): ``REVENUE_ML_SCORE_MAX_MB`` (default
50, also Streamlit's ``server.maxUploadSize``, which `make dashboard` sets from it) and
``REVENUE_ML_SCORE_MAX_ROWS`` (default 200,000 rows). A file within them is scored in chunks
of :data:`revenue_ml.score.CHUNK_ROWS` rows with a progress bar; when the browser leaves (the
session ends) the work stops at the next chunk.
"""

from __future__ import annotations

import io
import os

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.format import Col, integer

#: The largest file (MB) and the most rows a file may have.
MAX_MB = int(os.environ.get("REVENUE_ML_SCORE_MAX_MB", "50"))
MAX_ROWS = int(os.environ.get("REVENUE_ML_SCORE_MAX_ROWS", "200000"))

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


def still_watched(progress):
    """A ``keep_going`` callback for :func:`revenue_ml.score.score_in_chunks`: moves the
    progress bar, and says stop once the browser's session has ended."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()

    def keep_going(done: int, total: int) -> bool:
        if ctx is not None and Runtime.exists():
            if not Runtime.instance().is_active_session(ctx.session_id):
                return False
        progress.progress(
            done / max(total, 1), text=f"Scored {integer(done)} of {integer(total)} rows"
        )
        return True

    return keep_going


def render() -> None:
    from revenue_ml import score

    snap = ui.snapshot()
    ui.header("Score a file", QUESTION)
    label = ui.url_select("What the file holds", list(DOMAINS), "domain")
    domain, looks_like = DOMAINS[label]
    st.caption(
        f"Upload a CSV with the columns of {looks_like}; the outcome column may be empty. "
        "Each row is scored by the model that serves (the champion, or its baseline when the "
        "model does not beat it), with the same feature code as the warehouse, and comes back "
        "with its probability, the decision at the model's threshold and the reasons. "
        f"Files up to {MAX_MB} MB and {integer(MAX_ROWS)} rows (settings "
        "REVENUE_ML_SCORE_MAX_MB, REVENUE_ML_SCORE_MAX_ROWS)."
    )
    upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key=f"upload_{domain}")
    if upload is None:
        return
    if upload.size > MAX_MB * 1024 * 1024:
        st.error(
            f"{upload.name} is {upload.size / 1024 / 1024:,.1f} MB, over the {MAX_MB} MB limit. "
            "Fix: split it, or score it with `python -m revenue_ml.score` on the command line."
        )
        return
    try:
        raw = read_upload(upload.getvalue())
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        st.error(f"{upload.name} could not be read as a CSV: {err}. Fix: save it as UTF-8 CSV.")
        return
    try:
        score.check_header(domain, raw.columns)
    except ValueError as err:
        st.error(f"{upload.name}: {err}")
        return
    if len(raw) > MAX_ROWS:
        st.error(
            f"{upload.name} has {integer(len(raw))} rows, over the {integer(MAX_ROWS)}-row "
            "limit. Fix: split it, or score it with `python -m revenue_ml.score`."
        )
        return
    try:
        tables = score.read_tables(domain, snapshot=snap.info.path.parent)
        progress = st.progress(0.0, text=f"Scoring {integer(len(raw))} rows ...")
        result = score.score_in_chunks(
            domain, raw, tables, explain=True, keep_going=still_watched(progress)
        )
        progress.empty()
    except (ValueError, LookupError, FileNotFoundError) as err:
        st.error(f"{upload.name}: {err}")
        return
    if result is None:  # the session ended: nobody is waiting for the result
        return
    scored, errors = result

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

"""Revenue ML dashboard: `make dashboard` (streamlit run dashboard/app.py).

Reads only the snapshot `dbt build` publishes (dashboard/data.py), never the warehouse, so it
can stay open while dbt rebuilds; it shows a banner during the build and reloads when the new
snapshot is ready.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts dashboard/ on the path; the app imports it as the `dashboard` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from dashboard import data, ui  # noqa: E402
from dashboard.views import (  # noqa: E402
    campaign,
    churn,
    ecommerce,
    enrollment,
    home,
    model_health,
    sales,
    score,
)

PAGES = [
    # (module, title, url path): the url paths are the exposures' urls (models/exposures.yml).
    (home, "Home", ""),
    (sales, "Sales pipeline", "sales"),
    (churn, "Churn", "churn"),
    (campaign, "Campaign", "campaign"),
    (ecommerce, "Insiders", "ecommerce"),
    (enrollment, "Enrollment", "enrollment"),
    (model_health, "Model health", "model-health"),
    (score, "Score a file", "score"),
]

st.set_page_config(page_title="Revenue ML", page_icon=":material/monitoring:", layout="wide")

root = data.snapshot_root()
status = data.read_status(root)
info = data.latest_snapshot(root)

pages = [
    st.Page(ui.guarded(module.render, title), title=title, url_path=path or None, default=not path)
    for module, title, path in PAGES
]
st.session_state["_pages"] = pages
navigation = st.navigation(pages)

ui.status_banner(status, info)
ui.watch(str(root), (status.status, info.snapshot_id if info else None))

with st.sidebar:
    if info:
        st.caption(f"**{info.dataset}**  \nbuilt {data.format_time(info.created_at)}")
    st.caption(f"Build status: **{status.status}**")

if info is None:
    if status.status != "building":
        st.info(
            f"No dashboard snapshot in `{root}` yet. Run `make build` (any `dbt build` "
            "publishes one), and this page fills in by itself.",
            icon=":material/construction:",
        )
    st.stop()

ui.set_current(ui.open_snapshot(info))
navigation.run()

"""Streamlit helpers shared by the pages: the current snapshot, the refresh banner, empty states."""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import data
from dashboard.format import NUMERIC_KINDS, Col, export, present
from revenue_ml.safe_csv import to_csv_bytes

#: How often (seconds) the app checks whether dbt published a new snapshot.
POLL_SECONDS = float(os.environ.get("REVENUE_ML_DASHBOARD_POLL_SECONDS", "5"))


@st.cache_resource(max_entries=4, show_spinner=False)
def _open(path: str, snapshot_id: str) -> data.Snapshot:
    info = next(s for s in data.list_snapshots(Path(path).parent) if s.snapshot_id == snapshot_id)
    snap = data.Snapshot.open(info)
    data.prune_snapshots(Path(path).parent)
    return snap


def open_snapshot(info: data.SnapshotInfo) -> data.Snapshot:
    return _open(str(info.path), info.snapshot_id)


def set_current(snap: data.Snapshot | None) -> None:
    st.session_state["_snapshot"] = snap


def snapshot() -> data.Snapshot:
    return st.session_state["_snapshot"]


def status_banner(status: data.BuildStatus, info: data.SnapshotInfo | None) -> None:
    shown_from = data.format_time(info.created_at) if info else None
    if status.status == "building":
        shown = f"showing data from {shown_from}" if info else "no snapshot published yet"
        st.warning(
            f"Refreshing: dbt build in progress — {shown}. "
            "The page updates by itself when the build finishes.",
            icon=":material/sync:",
        )
    elif status.status == "failed":
        st.error(
            f"The last dbt build failed ({status.message}) — showing data from "
            f"{shown_from or 'no snapshot'}.",
            icon=":material/warning:",
        )
    elif status.status == data.INTERRUPTED:
        st.error(
            f"The last dbt build did not finish: {status.message}. Showing data from "
            f"{shown_from or 'no snapshot'}; run `make build` again.",
            icon=":material/warning:",
        )


@st.fragment(run_every=POLL_SECONDS)
def watch(root: str, shown: tuple[str, str | None]) -> None:
    """Rerun the whole app when the build status or the newest snapshot changes."""
    latest = data.latest_snapshot(Path(root))
    now = (data.read_status(Path(root)).status, latest.snapshot_id if latest else None)
    if now != shown:
        st.rerun()


def not_built(tables: tuple[str, ...] | list[str], what: str) -> None:
    st.info(
        f"**{what}: not built yet.** This page reads {', '.join(f'`{t}`' for t in tables)}, "
        "which the latest dbt build did not publish. Build the domain's marts "
        "(`make build`) and the page fills in by itself.",
        icon=":material/construction:",
    )


def require(snap: data.Snapshot, tables: tuple[str, ...] | list[str], what: str) -> bool:
    missing = [t for t in tables if not snap.has(t)]
    if missing:
        not_built(missing, what)
        return False
    return True


def fmt_int(value) -> str:
    return f"{int(value):,}"


def download(frame: pd.DataFrame, file_name: str, label: str, key: str | None = None) -> None:
    """A CSV download whose text cells cannot start a spreadsheet formula."""
    st.download_button(
        label, to_csv_bytes(frame), file_name=file_name, mime="text/csv", key=key or file_name
    )


# --- Page header: the question, the data and the build --------------------------------------


def header(title: str, question: str, domain: str | None = None, alerts: bool = True) -> None:
    """The page title, the question it answers, and which data and build it shows; above all,
    when the page's domain (every domain on the cross-domain pages) is not current, why and
    since when (quality.domain_status)."""
    snap = snapshot()
    st.title(title)
    domain_banners(snap, domain, title, alerts)
    st.markdown(f"**{question}**")
    st.caption(
        f"Data: **{snap.info.dataset}** \u00b7 built {data.format_time(snap.info.created_at)} "
        f"\u00b7 snapshot `{snap.snapshot_id}`"
    )


#: How the cross-domain pages name a domain (its page's title).
DOMAIN_TITLES = {
    "sales": "Sales pipeline",
    "churn": "Churn",
    "campaign": "Campaign",
    "enrollment": "Enrollment",
    "ecommerce": "Insiders",
}


#: Alerts shown at the top of a page; the rest are counted (Model health lists them all).
ALERTS_SHOWN = 3


def alert_banners(snap: data.Snapshot, domain: str | None) -> None:
    """The alerts still firing for the page's domain (every domain on the cross-domain pages),
    errors first: their message in business words (ml.model_alerts)."""
    alerts = data.open_alerts(snap, domain)
    for row in alerts.head(ALERTS_SHOWN).to_dict("records"):
        since = data.format_time(str(row["first_seen_at"]))
        text = f"**Alert:** {row['message']} Firing since {since}."
        if row["severity"] == "error":
            st.error(text, icon=":material/notification_important:")
        else:
            st.warning(text, icon=":material/notifications:")
    if len(alerts) > ALERTS_SHOWN:
        st.caption(f"{len(alerts) - ALERTS_SHOWN} more alert(s) on the Model health page.")


def domain_banners(
    snap: data.Snapshot, domain: str | None, title: str, alerts: bool = True
) -> None:
    """One banner per domain that is not current: its data comes from an earlier build (a raw
    file failed its audit, or a model failed), it never built, or its files are old; then
    the alerts still firing (unless the page lists them itself)."""
    show_domain_status(snap, domain, title)
    if alerts:
        alert_banners(snap, domain)


def show_domain_status(snap: data.Snapshot, domain: str | None, title: str) -> None:
    for row in data.domain_status(snap, domain).to_dict("records"):
        name = title if domain else DOMAIN_TITLES.get(row["domain"], row["domain"])
        reason = str(row.get("reason") or "")
        reason = reason if len(reason) <= 400 else reason[:399] + "\u2026"
        good = row.get("last_good_build_at")
        good = None if good is None or pd.isna(good) else data.format_time(str(good))
        if row["status"] == "failed":
            st.error(
                f"**{name}: not built.** {reason} The page fills in once the file is fixed and "
                "the build runs again.",
                icon=":material/error:",
            )
        elif row["status"] == "stale" and row.get("latest_outcome") in ("held", "failed"):
            st.warning(
                f"**{name}: stale, showing the build of {good or 'an earlier build'}.** "
                f"{reason} The other domains are current.",
                icon=":material/history:",
            )
        elif row["status"] == "stale":
            st.warning(
                f"**{name}: the data may be out of date.** {reason}", icon=":material/history:"
            )
        else:
            st.info(
                f"**{name}: the raw files are getting old.** {reason}", icon=":material/schedule:"
            )


# --- Filters whose state lives in the URL ---------------------------------------------------


def _param(key: str) -> str | None:
    value = st.query_params.get(key)
    return None if value in (None, "") else str(value)


def _remember(key: str, value: str | None) -> None:
    """Keep a filter's value in the URL (removed when empty), so a link reopens the view."""
    if value in (None, "", []):
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def url_select(label: str, options: Sequence[str], key: str, default: str | None = None) -> str:
    """A selectbox whose choice is kept in the URL (``?key=value``)."""
    options = list(options)
    wanted = _param(key) or default
    index = options.index(wanted) if wanted in options else 0
    choice = st.selectbox(label, options, index=index, key=f"_w_{key}")
    _remember(key, None if choice == (default or options[0]) else choice)
    return choice


def url_multiselect(label: str, options: Sequence[str], key: str) -> list[str]:
    """A multiselect (empty = all) whose choices are kept in the URL (comma separated)."""
    options = list(options)
    wanted = [v for v in (_param(key) or "").split(",") if v in options]
    chosen = st.multiselect(label, options, default=wanted, key=f"_w_{key}", placeholder="All")
    _remember(key, ",".join(chosen) if chosen else None)
    return chosen


def url_text(label: str, key: str, placeholder: str = "") -> str:
    """A search box whose text is kept in the URL."""
    value = st.text_input(label, value=_param(key) or "", key=f"_w_{key}", placeholder=placeholder)
    _remember(key, value.strip() or None)
    return value.strip()


# --- Decision lists ------------------------------------------------------------------------

#: Rows shown per page of a decision list (the whole list is in the CSV download).
PAGE_SIZE = 25


def _css_class(col: Col) -> str:
    if col.kind in NUMERIC_KINDS:
        return "num"
    return "txt id" if col.kind == "id" else "txt"


def _table_html(frame: pd.DataFrame, cols: list[Col], currency: str) -> str:
    shown = present(frame, cols, currency)
    classes = [_css_class(c) for c in cols]
    head = "".join(
        f'<th class="{k}">{html.escape(c.label)}</th>' for c, k in zip(cols, classes, strict=True)
    )
    rows = []
    for values in shown.itertuples(index=False):
        cells = "".join(
            f'<td class="{k}">{html.escape(str(v))}</td>'
            for v, k in zip(values, classes, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        '<div class="decision-list-wrap"><table class="decision-list">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


#: Tables fit the page: headers and text cells wrap (long ids break anywhere), figures stay on
#: one line, and the last text column (the reasons a person acts on) gets the room left, so
#: nothing is cut off at 1,400 px (tests/python/test_dashboard.py checks every list).
STYLE = """
<style>
.decision-list-wrap { overflow-x: auto; }
table.decision-list { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
table.decision-list th { text-align: left; border-bottom: 2px solid #ccc; padding: 6px 6px;
  white-space: normal; vertical-align: bottom; }
table.decision-list td { border-bottom: 1px solid #eee; padding: 5px 6px; vertical-align: top; }
table.decision-list .num { text-align: right; }
table.decision-list td.num { white-space: nowrap; }
table.decision-list td.txt { white-space: normal; overflow-wrap: break-word; }
table.decision-list td.id { overflow-wrap: anywhere; min-width: 5rem; }
table.decision-list td.txt:last-child { min-width: 14rem; }
</style>
"""


def shows(name: str) -> bool:
    """Whether a column (or a filter on it) may be shown: not personal data, or personal data
    with REVENUE_ML_SHOW_PII=1 (docs/governance.md)."""
    return data.show_pii() or name not in data.personal_columns(snapshot())


def visible(cols: list[Col]) -> list[Col]:
    """``cols`` without the personal columns (unless REVENUE_ML_SHOW_PII=1), and a note saying
    which were left out and how to show them."""
    hidden = [c for c in cols if not shows(c.name)]
    if hidden:
        st.caption(
            f"Personal data hidden: {', '.join(c.label for c in hidden)} (set "
            f"{data.SHOW_PII_ENV}=1 where the dashboard runs to show it)."
        )
    return [c for c in cols if shows(c.name)]


def table(frame: pd.DataFrame, cols: list[Col], currency: str = "") -> None:
    """A small business table (every row shown), formatted like the decision lists; personal
    columns hidden unless REVENUE_ML_SHOW_PII=1."""
    cols = visible(cols)
    st.markdown(STYLE, unsafe_allow_html=True)
    st.markdown(_table_html(frame, cols, currency), unsafe_allow_html=True)


def decision_list(
    frame: pd.DataFrame,
    cols: list[Col],
    key: str,
    what: str,
    currency: str = "",
    file_name: str | None = None,
) -> None:
    """A ranked list people act on: formatted, paged (page number in the URL), with a CSV
    download of every row (business headers, raw values, formulas neutralised); personal
    columns left out of both unless REVENUE_ML_SHOW_PII=1."""
    cols = visible(cols)
    st.markdown(STYLE, unsafe_allow_html=True)
    total = len(frame)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = 1
    if pages > 1:
        wanted = _param(f"{key}_page")
        page = int(wanted) if wanted and wanted.isdigit() and 1 <= int(wanted) <= pages else 1
        page = int(
            st.number_input(f"Page (of {pages:,})", 1, pages, page, key=f"_w_{key}_page", width=160)
        )
        _remember(f"{key}_page", None if page == 1 else str(page))
    first = (page - 1) * PAGE_SIZE
    part = frame.iloc[first : first + PAGE_SIZE]
    if total:
        st.caption(f"Showing {first + 1:,}\u2013{first + len(part):,} of {total:,} {what}.")
        st.markdown(_table_html(part, cols, currency), unsafe_allow_html=True)
    else:
        st.info(f"No {what} match these filters.")
    if file_name:
        download(export(frame, cols), file_name, f"Download all {total:,} {what} (CSV)")


def importance_chart(snap: data.Snapshot, domain: str, model_name: str, version: int) -> None:
    """The ten features that move a model version's scores most (average absolute
    contribution), as a horizontal bar chart."""
    importance = data.feature_importance(snap, domain, model_name, version).head(10)
    fig = px.bar(
        importance.sort_values("mean_abs_contribution"),
        x="mean_abs_contribution",
        y="feature",
        orientation="h",
        labels={"mean_abs_contribution": "Average effect on the score", "feature": ""},
    )
    st.plotly_chart(fig, use_container_width=True)


def guarded(render: Callable[[], None], title: str) -> Callable[[], None]:
    """A page that shows its error instead of taking the app down (a mart may change shape
    while its domain is being built)."""

    def page() -> None:
        try:
            render()
        except Exception as exc:  # noqa: BLE001 - shown to the user, page stays up
            st.error(
                f"{title} could not be drawn from snapshot "
                f"`{snapshot().snapshot_id}`: {type(exc).__name__}: {exc}"
            )

    page.__name__ = render.__module__.rsplit(".", 1)[-1]
    return page

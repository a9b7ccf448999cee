"""Streamlit helpers shared by the pages: the current snapshot, the refresh banner, empty states."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import data
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


def download(frame: pd.DataFrame, file_name: str, label: str) -> None:
    """A CSV download whose text cells cannot start a spreadsheet formula."""
    st.download_button(label, to_csv_bytes(frame), file_name=file_name, mime="text/csv")


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

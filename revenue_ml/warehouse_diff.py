"""Compare the output tables of two warehouses, table by table.

Used to show that a change is behaviour-neutral ("every mart identical before and after") and
by the end-to-end tests ("two builds of the same data give identical marts"). Tables are matched
by name (a table that moved to another schema is still compared); columns that record when or
where a build ran, not what the data determined, are left out; rows are compared in a
canonical order.

Usage::

    python -m revenue_ml.warehouse_diff before.duckdb after.duckdb \\
        [--map-value domain:sales_pipeline=sales]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb
import pandas as pd

#: Schemas that are not outputs (inputs, intermediate steps, dbt's own).
NOT_OUTPUTS = ("staging", "intermediate", "seeds", "main", "information_schema", "pg_catalog")
#: Columns that record when or where a build ran.
RUN_COLUMNS = frozenset(
    {
        "scored_at",
        "trained_at",
        "training_seconds",
        "run_started_at",
        "dbt_invocation_id",
        "created_at",
        "written_at",
        "file_path",
        "raw_dir",
        "champion_since",
        # when the raw files were written, and which build the domains' marts come from
        # (quality.raw_file_audit, quality.domain_status)
        "modified_at",
        "checked_at",
        "marts_build_id",
        "last_good_build_at",
        "latest_build_id",
        "latest_build_at",
        "stalest_file",
        "stalest_file_modified_at",
        "stalest_file_age_days",
        # when a build logged a prediction or an alert, computed the fairness tables
        "logged_at",
        "first_seen_at",
        "last_seen_at",
        "computed_at",
        "rendered_at",
        # how many builds have fired an alert (ml.model_alerts): a count of runs
        "builds_firing",
    }
)
#: Text columns that quote when the build ran ("trained 2026-12-07 12:57 UTC"): compared with
#: those stamps blanked (ml.model_cards).
STAMPED_TEXT = frozenset({"card_markdown"})
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: UTC)?")
#: Rows that record which build ran: ``{table: (column, values)}``.
RUN_ROWS = {"build_settings": ("setting", frozenset({"dbt_invocation_id"}))}
#: Tables that append one row per build by design (run logs).
APPENDED_PER_RUN = frozenset(
    {"model_run_history", "enrollment_run_versions", "alert_log", "domain_builds"}
)


def blank_stamps(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the build stamps in its :data:`STAMPED_TEXT` columns replaced by
    ``<when>``."""
    columns = STAMPED_TEXT & set(frame.columns)
    if not columns:
        return frame
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].str.replace(_STAMP, "<when>", regex=True)
    return frame


def canonical(frame: pd.DataFrame, key: list[str] | None = None) -> pd.DataFrame:
    """``frame``'s rows in a canonical order: sorted by ``key``, by default by
    :func:`plain_columns`."""
    key = plain_columns(frame) if key is None else key
    return frame.sort_values(key, kind="mergesort").reset_index(drop=True)


def plain_columns(frame: pd.DataFrame) -> list[str]:
    """The columns that hold plain values (lists and dicts cannot be sorted on)."""
    return [c for c in frame.columns if not any(isinstance(v, list | dict) for v in frame[c])]


def output_tables(path: Path) -> dict[str, pd.DataFrame]:
    """``{table name: rows}`` of every output table (schema left out of the name), without run
    columns, rows sorted by every column that holds plain values."""
    out = {}
    excluded = ", ".join(f"'{s}'" for s in NOT_OUTPUTS)
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema not in ({excluded}) order by 2"
        ).fetchall()
        for schema, table in names:
            frame = con.execute(f'select * from "{schema}"."{table}"').df()
            if table in RUN_ROWS:
                column, values = RUN_ROWS[table]
                frame = frame[~frame[column].isin(values)]
            frame = frame[[c for c in frame.columns if c not in RUN_COLUMNS]]
            frame = blank_stamps(frame)
            out[table] = canonical(frame)
    return out


def differences(
    before: dict[str, pd.DataFrame],
    after: dict[str, pd.DataFrame],
    value_map: dict[str, dict] | None = None,
    skip: frozenset[str] = APPENDED_PER_RUN,
) -> dict[str, str]:
    """``{table: what differs}`` for every table of ``before`` (missing, columns, rows);
    ``value_map`` renames values of a column in ``before`` first (e.g. a renamed domain)."""
    out = {}
    for name, frame in before.items():
        if name in skip:
            continue
        if name not in after:
            out[name] = "missing after"
            continue
        other = after[name]
        frame = frame.copy()
        for column, mapping in (value_map or {}).items():
            if column in frame.columns:
                frame[column] = frame[column].replace(mapping)
        if list(frame.columns) != list(other.columns):
            out[name] = (
                f"columns differ: only before {sorted(set(frame.columns) - set(other))}, "
                f"only after {sorted(set(other.columns) - set(frame.columns))}"
            )
            continue
        # the renamed values change the order: both sides sorted again on before's columns
        key = plain_columns(frame)
        frame, other = canonical(frame, key), canonical(other, key)
        try:
            pd.testing.assert_frame_equal(frame, other, check_exact=True, check_dtype=False)
        except AssertionError as err:
            out[name] = str(err).splitlines()[0] + " " + " ".join(str(err).splitlines()[1:4])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revenue_ml.warehouse_diff",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument(
        "--map-value",
        action="append",
        default=[],
        help="column:old=new, applied to `before` (repeatable)",
    )
    args = parser.parse_args(argv)
    value_map: dict[str, dict] = {}
    for item in args.map_value:
        column, pair = item.split(":", 1)
        old, new = pair.split("=", 1)
        value_map.setdefault(column, {})[old] = new
    before, after = output_tables(args.before), output_tables(args.after)
    diffs = differences(before, after, value_map)
    compared = [t for t in before if t not in APPENDED_PER_RUN]
    rows = sum(len(before[t]) for t in compared)
    for table in compared:
        print(
            f"{'DIFFERS' if table in diffs else 'same   '} {table} ({len(before[table])} rows)"
            + (f": {diffs[table]}" if table in diffs else "")
        )
    new = sorted(set(after) - set(before))
    if new:
        print(f"new tables after: {', '.join(new)}")
    print(
        f"{len(compared) - len(diffs)} of {len(compared)} tables identical ({rows} rows); "
        f"{len(diffs)} differ"
    )
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

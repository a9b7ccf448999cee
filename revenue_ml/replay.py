"""Replay a warehouse's history on as-of cuts of the data, and print the track record.

Each cut is one `dbt build` with var ``<source>_as_of_cut`` set (macros/staging/as_of_cut.sql):
the files as they were known that day. The builds run in date order into one warehouse, as a
monthly schedule would have run them, then a last build on the whole files joins the outcomes;
ml.model_track_record then says how each month's predictions came true. The first build is a
full one; the next ones rebuild only the cut source's domain and what reads it.

    python -m revenue_ml.replay --vars-file config/shared_datasets.yml \\
        --source sales_pipeline --first 2019-05-31 --months 7 --warehouse warehouse_replay.duckdb

The warehouse and the log folder are the tool's own (created if absent; never deleted).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The models a cut of each source rebuilds after the first build (dbt selectors).
SELECTIONS = {
    "sales_pipeline": ["path:models/staging/sales_pipeline+", "path:python_models/sales+"],
    "online_retail": ["path:models/staging/online_retail+"],
    "enrollments": ["path:models/staging/enrollments+"],
    "marketing_campaign": ["path:models/staging/marketing_campaign+"],
}
#: The scoring mart whose track record the summary prints, per source.
MARTS = {
    "sales_pipeline": "open_offers",
    "online_retail": None,
    "enrollments": "enrollment_forecast",
    "marketing_campaign": "campaign_contacts",
}


def month_ends(first: date, months: int) -> list[date]:
    """``months`` month ends starting with the month of ``first``."""
    out = []
    year, month = first.year, first.month
    for _ in range(months):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        out.append(date.fromordinal(nxt.toordinal() - 1))
        year, month = nxt.year, nxt.month
    return out


def build(vars_: dict, warehouse: Path, log_dir: Path, select: list[str] | None) -> float:
    """One dbt build; its wall time (raises with the log's tail when it fails)."""
    cmd = [str(Path(sys.executable).with_name("dbt")), "build", "--vars", yaml.safe_dump(vars_)]
    if select:
        cmd += ["--select", *select]
    cmd += ["--log-path", str(log_dir), "--target-path", str(log_dir / "target")]
    env = {**os.environ, "REVENUE_ML_DUCKDB": str(warehouse)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(
            f"dbt build failed ({' '.join(select or ['all'])}):\n{proc.stdout[-3000:]}"
        )
    return time.perf_counter() - start


def summary(warehouse: Path, mart: str, metric: str = "auc") -> pd.DataFrame:
    """The track record of ``mart`` for ``metric``, one row per as-of date."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select data_as_of, model_name, model_version, predictions, outcomes_known, "
            "expected_protocol, round(expected_value, 3) as expected, "
            "round(realised_value, 3) as realised, round(estimated_value, 3) as estimated, "
            "realised_evidence from ml.model_track_record "
            "where scoring_mart = ? and metric = ? and decision_context in ('all', 'balanced') "
            "order by data_as_of",
            [mart, metric],
        ).df()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m revenue_ml.replay", description=__doc__)
    parser.add_argument("--vars-file", default="config/shared_datasets.yml")
    parser.add_argument("--source", choices=list(SELECTIONS), default="sales_pipeline")
    parser.add_argument("--first", required=True, help="the first cut's month (YYYY-MM-DD)")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--warehouse", default="warehouse_replay.duckdb")
    args = parser.parse_args(argv)
    if not 1 <= args.months <= 36:
        parser.error("--months must be between 1 and 36")
    base = yaml.safe_load((REPO_ROOT / args.vars_file).read_text()) or {}
    base.setdefault("retrain_policy", "if_data_changed")
    warehouse = Path(args.warehouse).resolve()
    log_dir = warehouse.with_suffix(".logs")
    log_dir.mkdir(exist_ok=True)
    cuts = month_ends(date.fromisoformat(args.first), args.months)
    for number, cut in enumerate([*cuts, None]):
        vars_ = {**base, f"{args.source}_as_of_cut": cut.isoformat() if cut else None}
        select = None if number == 0 else SELECTIONS[args.source]
        seconds = build(vars_, warehouse, log_dir, select)
        print(f"as of {cut or 'the whole file'}: built in {seconds:.0f} s", flush=True)
    mart = MARTS[args.source]
    if mart:
        print(summary(warehouse, mart).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

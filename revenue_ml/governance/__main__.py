"""Model cards from the command line.

Usage::

    python -m revenue_ml.governance card <model> [version] [--warehouse FILE | --snapshot DIR]
    python -m revenue_ml.governance cards [--warehouse FILE | --snapshot DIR]

``card`` prints the markdown card of a registered model version, as the last ``dbt build``
wrote it to ``ml.model_cards`` (without a version: the model's champion, else its latest
version). ``cards`` lists the versions that have one. The warehouse is opened read-only
(default: $REVENUE_ML_DUCKDB or warehouse.duckdb); while a build holds it, or with
``--snapshot``, the card comes from the dashboard snapshot that warehouse's builds publish
(target/dashboard_snapshot/<warehouse stem>, or $REVENUE_ML_DASHBOARD_SNAPSHOT), which holds the
same table. Nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from revenue_ml import snapshot as snapshots
from revenue_ml.registry import default_warehouse

CARDS = "ml.model_cards"
#: Largest card printed (a card is a few kilobytes; anything larger is not a card).
MAX_CARD_CHARS = 1_000_000


class CardError(RuntimeError):
    """The card cannot be printed; the message says why and what to do."""


@dataclass(frozen=True)
class Source:
    """Where the cards were read: the warehouse, or a snapshot (with a note saying why)."""

    cards: pd.DataFrame
    label: str
    note: str | None = None


def read_cards(warehouse: Path | None = None, snapshot: Path | None = None) -> Source:
    """Every card: from ``snapshot`` when given, else from the warehouse read-only, else (the
    warehouse locked by a build, or absent) from its published snapshot."""
    if snapshot is not None:
        return _from_snapshot(snapshot, None)
    warehouse = warehouse or default_warehouse()
    if not warehouse.exists():
        return _from_snapshot(
            snapshots.published_root(warehouse), f"warehouse {warehouse} not found"
        )
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as err:
        if "lock" not in str(err).lower():
            raise
        return _from_snapshot(
            snapshots.published_root(warehouse),
            f"the warehouse {warehouse} is being written (a dbt build?)",
        )
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ml' and table_name = 'model_cards'"
        ).fetchone()[0]
        if not exists:
            raise CardError(
                f"{warehouse} has no table {CARDS}: run dbt build (it writes a card for every "
                "registered version)"
            )
        return Source(con.execute(f"select * from {CARDS}").df(), f"warehouse {warehouse}")
    finally:
        con.close()


def _from_snapshot(root: Path, why: str | None) -> Source:
    info = snapshots.latest_snapshot(root)
    if info is None:
        reason = f"{why}, and " if why else ""
        raise CardError(
            f"{reason}no published snapshot in {root}: run dbt build, or name the warehouse "
            "with --warehouse"
        )
    if CARDS not in info.tables:
        raise CardError(
            f"the snapshot {info.path} has no {CARDS} (built before model cards existed): run "
            "dbt build"
        )
    con = duckdb.connect(":memory:")
    try:
        path = info.path / f"{CARDS}.parquet"
        cards = con.execute("select * from read_parquet(?)", [str(path)]).df()
    finally:
        con.close()
    note = f"{why}: read from the snapshot {info.path.name} ({info.created_at})" if why else None
    return Source(cards, f"snapshot {info.path}", note)


def pick_card(cards: pd.DataFrame, model: str, version: int | None) -> pd.Series:
    """The card of ``model`` ``version``; without a version, the champion's, else the latest."""
    rows = cards[cards["model_name"] == model]
    if rows.empty:
        known = ", ".join(sorted(cards["model_name"].astype(str).unique())) or "none"
        raise CardError(f"no card for model {model!r}; models with cards: {known}")
    if version is not None:
        chosen = rows[rows["model_version"].astype(int) == version]
        if chosen.empty:
            versions = ", ".join(str(v) for v in sorted(rows["model_version"].astype(int)))
            raise CardError(f"{model} has no version {version}; versions with a card: {versions}")
        return chosen.iloc[0]
    champions = rows[rows["alias"].astype("string") == "champion"]
    pool = champions if len(champions) else rows
    return pool.sort_values("model_version").iloc[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revenue_ml.governance",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("card", help="print a model version's card (markdown)")
    one.add_argument("model")
    one.add_argument("version", nargs="?", type=int, default=None)
    every = commands.add_parser("cards", help="list the model versions that have a card")
    for command in (one, every):
        source = command.add_mutually_exclusive_group()
        source.add_argument("--warehouse", type=Path, default=None)
        source.add_argument("--snapshot", type=Path, default=None, help="a snapshot folder")
    args = parser.parse_args(argv)
    try:
        source = read_cards(args.warehouse, args.snapshot)
        if source.note:
            print(f"note: {source.note}", file=sys.stderr)
        if args.command == "cards":
            listed = source.cards[["model_name", "model_version", "alias"]].sort_values(
                ["model_name", "model_version"]
            )
            with pd.option_context("display.max_rows", None, "display.width", 120):
                print(listed.to_string(index=False))
            return 0
        card = str(pick_card(source.cards, args.model, args.version)["card_markdown"])
    except CardError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if len(card) > MAX_CARD_CHARS:
        print(
            f"error: the card is {len(card):,} characters, over {MAX_CARD_CHARS:,}", file=sys.stderr
        )
        return 1
    print(card)
    return 0


if __name__ == "__main__":
    sys.exit(main())

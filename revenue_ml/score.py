"""Score raw records with the registered champion models, without running dbt.

One code path for the command line, the REST service (:mod:`revenue_ml.serve`) and the
dashboard's upload: :func:`score_records` takes records in a raw file's own column names (the
BigML churn file, the sales offers file, the iFood campaign file), computes their features with
the domain's twin of the SQL (:mod:`revenue_ml.raw_features`, tested equal to the marts) and
scores the good ones with the version that serves each model, as the marts do: its champion,
or its baseline's when the model does not beat it (:func:`revenue_ml.ml.lifecycle.serving`):

    from revenue_ml import score
    tables = score.read_tables("churn", snapshot=score.snapshot_root())
    scored, errors = score.score_records("churn", raw_frame, tables, explain=True)

``scored`` keeps the input columns of every good record (same index) and adds the key, the
probability, the predicted label at the model's threshold, the threshold, the model name and
version, and, with ``explain=True``, the explanation columns (the top driver and its
contribution, and the business-word reasons where the lifecycle provides them). ``errors``
names each bad record: its 0-based position ``record``, the ``column``, the raw ``value`` and a
``message`` that says what to fix; the other records are still scored.

Command line::

    python -m revenue_ml.score {churn,offers,campaign} --input FILE --output FILE \\
        [--warehouse FILE | --snapshot DIR] [--no-explain]

The input is a CSV in the raw file's format (comma-separated; tab-separated for campaign, as
the campaign file; the delimiter is read from the header line); the output is the input's
columns plus the scores, one row per good input row. Bad rows are listed on stderr (the exit
status is then 2). The models and the build's lookups come from the warehouse, read over a
read-only connection that is closed at once (default: $REVENUE_ML_DUCKDB or warehouse.duckdb),
or from the snapshot a build published (``--snapshot``), which works while a build holds the
warehouse (:mod:`revenue_ml.warehouse`).

What each domain scores is written once: the domain module (:mod:`revenue_ml.domains`) holds
its features, its routes (which registered model scores which records, with which spec and
words) and an example record; its raw-features module (:mod:`revenue_ml.raw_features`) the raw
file, the twin of the SQL and the lookups it reads (``SCORING``, gathered in :data:`DOMAINS`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from revenue_ml.ml import lifecycle
from revenue_ml.ml.scoring import Route
from revenue_ml.raw_features import Domain, RawFeatures
from revenue_ml.raw_features import campaign as campaign_raw
from revenue_ml.raw_features import churn as churn_raw
from revenue_ml.raw_features import offers as offers_raw
from revenue_ml.safe_csv import write_csv
from revenue_ml.snapshot import snapshot_root
from revenue_ml.warehouse import (
    WarehouseBusyError,
    default_warehouse,
    read_snapshot_tables,
    read_warehouse_tables,
)

__all__ = [
    "DOMAINS",
    "Domain",
    "Route",
    "Scorer",
    "check_header",
    "read_tables",
    "score_in_chunks",
    "score_records",
    "snapshot_root",
]

#: What every scored row carries besides the explanation columns.
SCORE_COLUMNS = ["probability", "predicted_label", "threshold", "model_name", "model_version"]
#: What ``explain=True`` adds: the strongest feature, its contribution and the reasons in
#: business words (:func:`revenue_ml.ml.scoring.score`).
EXPLANATION_COLUMNS = ["top_feature", "top_feature_contribution", "reasons"]

#: The domains whose raw records are scored, by name: each raw-features module's ``SCORING``
#: (its raw file and lookups) with its domain module's routes and example record.
DOMAINS: dict[str, Domain] = {
    d.name: d for d in (churn_raw.SCORING, offers_raw.SCORING, campaign_raw.SCORING)
}


def domain_of(name: str) -> Domain:
    if name not in DOMAINS:
        raise ValueError(f"unknown domain {name!r}; expected one of {', '.join(DOMAINS)}")
    return DOMAINS[name]


class WrongFileError(ValueError):
    """The records' header is not the domain's raw file's: one line says what it lacks and
    which file it looks like."""


def looks_like(columns: Sequence[str]) -> str | None:
    """The domain whose raw file shares the most columns with ``columns`` (None: none)."""
    names = {str(c).strip() for c in columns}
    shared = {d: len(names & set(spec.columns)) for d, spec in DOMAINS.items()}
    best = max(shared, key=lambda d: (shared[d], d == "churn"))
    return best if shared[best] else None


def check_header(domain: str, columns: Sequence[str]) -> None:
    """Raise :class:`WrongFileError` when ``columns`` hold none of the domain's raw columns,
    or lack some it requires; one line, naming the file it looks like."""
    spec = domain_of(domain)
    names = {str(c).strip() for c in columns}
    if not names & set(spec.columns):
        guess = looks_like(columns)
        hint = (
            f"; it looks like {DOMAINS[guess].file}: score it as {guess}"
            if guess and guess != domain
            else ""
        )
        raise WrongFileError(
            f"the header has none of the columns of {DOMAINS[domain].file} "
            f"({', '.join(spec.required[:4])}, ...){hint}."
        )
    missing = [c for c in spec.required if c not in names]
    if missing:
        raise WrongFileError(
            f"the header lacks {len(missing)} column(s) of {DOMAINS[domain].file}: "
            f"{', '.join(missing)}. Fix: add them (the values may be empty only where the "
            f"file allows it)."
        )


def route_of(model_name: str) -> tuple[Domain, Route] | None:
    """The domain and route whose records the registered model ``model_name`` scores (its
    own route, or the route of the model it is the baseline of); None for a model that does
    not score raw records (forecasts, segmentations)."""
    for domain in DOMAINS.values():
        for route in domain.routes:
            if model_name == route.model_name or model_name in route.alternatives:
                return domain, route
    return None


def lookup_tables(domain: str) -> tuple[str, ...]:
    """The tables besides the registry that featurising ``domain``'s records reads (the build
    settings and the build's lookups, :attr:`Domain.lookup_tables`)."""
    return domain_of(domain).lookup_tables


# --- Reading what the build published --------------------------------------------------------


def read_tables(
    domain: str, snapshot: Path | None = None, warehouse: Path | None = None
) -> dict[str, pd.DataFrame]:
    """What scoring ``domain`` needs (:attr:`Domain.tables`), from the snapshot a build
    published under ``snapshot`` when given, else from ``warehouse`` (default:
    $REVENUE_ML_DUCKDB or warehouse.duckdb)."""
    tables = domain_of(domain).tables
    if snapshot is not None:
        return read_snapshot_tables(snapshot, tables)[1]
    return read_warehouse_tables(warehouse or default_warehouse(), tables)


# --- Scoring ----------------------------------------------------------------------------------


class Scorer:
    """One domain's scoring state, built once from the published tables: the champion of each
    model the domain routes rows to, and the build's lookups. :meth:`scores` is what
    :func:`score_records` runs; the REST service keeps one Scorer per domain between reloads."""

    #: Batches of at least this many rows of one model are predicted on ``threads`` threads
    #: (below it, starting the threads costs more than they save).
    PARALLEL_MIN_ROWS = 256

    def __init__(self, domain: str, tables: Mapping[str, pd.DataFrame], threads: int = 1) -> None:
        self.domain = domain_of(domain)
        #: Prediction threads for big batches (the REST service: its own process, so it may
        #: use every core; the build's scoring models keep one thread per model).
        self.threads = max(1, int(threads))
        missing = [t for t in self.domain.tables if t not in tables]
        if missing:
            raise LookupError(
                f"scoring {domain} needs the table(s) {', '.join(missing)}; read them with "
                f"revenue_ml.score.read_tables({domain!r}, ...)"
            )
        self.tables = {t: tables[t] for t in self.domain.tables}
        registry = self.tables[self.domain.registry]
        #: Model name -> the registry record that scores for it: its champion, or its
        #: baseline's when it does not beat it (:func:`revenue_ml.ml.lifecycle.serving`), as
        #: in the marts.
        self.champions = {
            r.model_name: lifecycle.serving(registry, r.model_name)[0] for r in self.domain.routes
        }

    def featurise(self, raw: pd.DataFrame) -> RawFeatures:
        return self.domain.featurise(raw, self.tables)

    def threads_for(self, rows: int) -> int:
        """Prediction threads for a batch of ``rows`` rows of one model."""
        return self.threads if rows >= self.PARALLEL_MIN_ROWS else 1

    def scores(
        self,
        raw: pd.DataFrame,
        explain: bool = False,
        chunk_rows: int | None = None,
        keep_going: Callable[[int, int], bool] | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """(scores, errors): the key, :data:`SCORE_COLUMNS` and, with ``explain``, the
        explanation columns of every good record (index = its position in ``raw``).

        The records are featurised together (keys that depend on the whole batch, an offer Id
        seen once or a churn twin's number, come out as for one call), then scored
        ``chunk_rows`` at a time (default: all at once); after each chunk
        ``keep_going(rows_done, rows_total)`` may say stop, and None is returned."""
        result = self.featurise(raw)
        features = result.features
        total = len(features)
        step = chunk_rows or max(total, 1)
        parts = []
        done = 0
        for start in range(0, total, step):
            chunk = features.iloc[start : start + step]
            for route in self.domain.routes:
                mask = route.rows(chunk)
                if not mask.any():
                    continue
                part = chunk if mask.all() else chunk.loc[mask]
                record = self.champions[route.model_name]
                scored = route.score(part, record, explain, self.threads_for(len(part)))
                scored.index = part.index
                parts.append(scored)
            done += len(chunk)
            if keep_going is not None and not keep_going(done, total):
                return None
        columns = SCORE_COLUMNS + (EXPLANATION_COLUMNS if explain else [])
        if not parts:
            scored = pd.DataFrame(columns=columns, index=features.index[:0])
        elif len(parts) == 1:
            scored = parts[0]
        else:
            scored = pd.concat(parts).sort_index()
        out = scored.reindex(columns=[self.domain.key, *columns])
        out[self.domain.key] = features[self.domain.key]
        return out, result.errors


def with_inputs(raw: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The input columns of the good records of ``raw`` (same index) followed by the scores
    (:meth:`Scorer.scores`, indexed by the records' positions in ``raw``); an input column
    named like a score column is replaced by the score."""
    inputs = raw.iloc[scores.index.to_numpy()]
    added = scores.reset_index(drop=True)
    kept = inputs.drop(columns=[c for c in added.columns if c in inputs.columns])
    scored = pd.concat([kept.reset_index(drop=True), added], axis=1)
    scored.index = inputs.index
    return scored


def score_records(
    domain: str, raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame], explain: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score raw records of ``domain`` (``churn``, ``offers`` or ``campaign``) with the
    champions in ``tables`` (:func:`read_tables`): (scored, errors), see the module docstring.
    A header that is not the domain's raw file's raises :class:`WrongFileError`."""
    result = score_in_chunks(domain, raw, tables, explain, chunk_rows=None)
    assert result is not None  # nothing asks it to stop
    return result


#: Rows scored at a time by :func:`score_in_chunks` (bounded memory, progress, a way to stop).
CHUNK_ROWS = 5_000


def score_in_chunks(
    domain: str,
    raw: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    explain: bool = False,
    chunk_rows: int | None = CHUNK_ROWS,
    keep_going: Callable[[int, int], bool] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """:func:`score_records`, the scoring (the costly part) ``chunk_rows`` records at a time
    (None: all at once): the same rows and scores. After each chunk
    ``keep_going(rows_done, rows_total)`` is called; when it returns False the work stops and
    None is returned (the dashboard stops when its session ends)."""
    check_header(domain, raw.columns)
    result = Scorer(domain, tables).scores(raw, explain, chunk_rows, keep_going)
    if result is None:
        return None
    scores, errors = result
    return with_inputs(raw, scores), errors


# --- Command line -----------------------------------------------------------------------------


def read_input(path: Path) -> pd.DataFrame:
    """A CSV in a raw file's format, every value as text; tab-separated when the header line
    holds a tab (the campaign file), else comma-separated."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    sep = "\t" if "\t" in header else ","
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def score_file(
    domain: str,
    input_path: Path,
    output_path: Path,
    warehouse: Path | None = None,
    explain: bool = True,
    snapshot: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score ``input_path`` and write the good rows with their scores to ``output_path``
    (CSV); return (scored, errors)."""
    tables = read_tables(domain, snapshot=snapshot, warehouse=warehouse)
    raw = read_input(input_path)
    scored, errors = score_records(domain, raw, tables, explain=explain)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(scored, output_path, float_format="%.17g")
    return scored, errors


def describe_errors(errors: pd.DataFrame, limit: int = 20, first_line: int = 2) -> list[str]:
    """One line per error (at most ``limit``): the record, its line in a CSV whose first
    record is on line ``first_line``, the column and the message."""
    lines = [
        f"record {int(e.record)} (line {int(e.record) + first_line}), {e.column}: {e.message}"
        for e in errors.head(limit).itertuples(index=False)
    ]
    if len(errors) > limit:
        lines.append(f"... and {len(errors) - limit} more")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revenue_ml.score",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("domain", choices=sorted(DOMAINS))
    parser.add_argument("--input", required=True, type=Path, help="CSV in the raw file's format")
    parser.add_argument("--output", required=True, type=Path, help="CSV of scores to write")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="DuckDB warehouse holding the registry (default: $REVENUE_ML_DUCKDB "
        "or warehouse.duckdb)",
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=None,
        help="read the registry from the snapshot a build published (e.g. "
        "target/dashboard_snapshot/warehouse) instead of the warehouse: works while "
        "a dbt build holds the warehouse",
    )
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help="skip the explanation columns (faster for large batches)",
    )
    args = parser.parse_args(argv)
    try:
        scored, errors = score_file(
            args.domain,
            args.input,
            args.output,
            args.warehouse,
            explain=not args.no_explain,
            snapshot=args.snapshot,
        )
    except (FileNotFoundError, LookupError, ValueError, WarehouseBusyError) as exc:
        print(f"error: {args.input.name}: {exc}", file=sys.stderr)
        return 1
    print(f"scored {len(scored)} rows -> {args.output}")
    if len(errors):
        bad = errors["record"].nunique()
        print(f"{bad} row(s) not scored:", file=sys.stderr)
        for line in describe_errors(errors):
            print(f"  {line}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

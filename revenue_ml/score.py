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
warehouse.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from revenue_ml.domains import campaign, churn, sales
from revenue_ml.ml import landmark, lifecycle, reasons, scoring
from revenue_ml.ml.binary import BinarySpec
from revenue_ml.raw_features import RawFeatures
from revenue_ml.raw_features import campaign as campaign_raw
from revenue_ml.raw_features import churn as churn_raw
from revenue_ml.raw_features import offers as offers_raw
from revenue_ml.safe_csv import write_csv
from revenue_ml.settings import settings_of
from revenue_ml.snapshot import latest_snapshot, snapshot_root

BUILD_SETTINGS = "ml.build_settings"
#: The staging limits of the raw sources the scorer applies, as ``ml.build_settings`` holds
#: them (domain = the raw source, setting = the var without the source's prefix).
STAGING_LIMITS = {
    "telco_churn": ("max_minutes",),
    "sales_pipeline": ("max_price",),
    "marketing_campaign": ("max_income", "max_spend"),
}
#: What every scored row carries besides the explanation columns.
SCORE_COLUMNS = ["probability", "predicted_label", "threshold", "model_name", "model_version"]
#: What ``explain=True`` adds: the strongest feature, its contribution and the reasons in
#: business words (:func:`revenue_ml.ml.scoring.score`).
EXPLANATION_COLUMNS = ["top_feature", "top_feature_contribution", "reasons"]


@dataclass(frozen=True)
class Route:
    """A registered model, the rows it scores (a boolean mask of the features) and the words
    its reasons use (the domain's feature labels, :mod:`revenue_ml.ml.reasons`)."""

    model_name: str
    spec: BinarySpec
    rows: Callable[[pd.DataFrame], np.ndarray]
    labels: Mapping = field(default_factory=dict)
    #: Registered models trained on the same rows and features (the baselines): never scored
    #: here, but their MLflow models (:mod:`revenue_ml.ml.pyfunc`) score the same records.
    alternatives: tuple[str, ...] = ()
    #: What the rows are, and the raw column that decides it: for the message to a record
    #: this route does not take (an MLflow model scores its own route's records only).
    rows_described: str = "every record"
    rows_column: str | None = None
    #: Changes to the domain's example record that make it one of this route's.
    example_changes: Mapping = field(default_factory=dict)
    #: Columns a version's own inputs need beyond the featurised record, added from the
    #: registry record (the open offers' age at the as-of date the version was trained on).
    prepare: Callable[[pd.DataFrame, Mapping], pd.DataFrame] | None = None
    #: Features the reasons leave out, and how the reasons name the two directions.
    skip: frozenset = frozenset()
    wording: reasons.Wording | None = None

    def inputs(self, features: pd.DataFrame, record: Mapping) -> pd.DataFrame:
        """The features a version of this route scores (with :attr:`prepare`'s columns)."""
        return features if self.prepare is None else self.prepare(features, record)


@dataclass(frozen=True)
class Domain:
    """A domain the scorer serves: its tables, its twin and which model scores which row."""

    name: str
    title: str
    key: str
    registry: str
    #: Every table the scorer reads (the registry, the build settings and the lookups).
    tables: tuple[str, ...]
    #: The raw file's columns (what a record may hold) and those a record must have.
    columns: tuple[str, ...]
    required: tuple[str, ...]
    featurise: Callable[[pd.DataFrame, Mapping[str, pd.DataFrame]], RawFeatures]
    routes: tuple[Route, ...]
    #: One record, for the API documentation and the README.
    example: dict = field(default_factory=dict)


def _setting(tables: Mapping[str, pd.DataFrame], domain: str, name: str) -> float:
    assert name in STAGING_LIMITS[domain], (domain, name)
    values = settings_of(tables[BUILD_SETTINGS], domain)
    if values.get(name) is None:
        raise LookupError(
            f"{BUILD_SETTINGS} has no {domain} setting {name!r} (a build older than the "
            f"scorer?); run dbt build to republish the settings"
        )
    return float(values[name])


def _churn_features(raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RawFeatures:
    return churn_raw.features(raw, _setting(tables, "telco_churn", "max_minutes"))


def _offer_features(raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RawFeatures:
    return offers_raw.features(
        raw,
        tables["seeds.offer_statuses"],
        tables["sales.lead_attributes"],
        _setting(tables, "sales_pipeline", "max_price"),
    )


def _campaign_features(raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> RawFeatures:
    return campaign_raw.features(
        raw,
        tables["campaign.campaign_feature_parameters"],
        tables["seeds.marital_status_map"],
        _setting(tables, "marketing_campaign", "max_income"),
        _setting(tables, "marketing_campaign", "max_spend"),
    )


def _every_row(features: pd.DataFrame) -> np.ndarray:
    return np.ones(len(features), dtype=bool)


_OFFER_SPECS = sales.specs(frozenset())

DOMAINS: dict[str, Domain] = {
    "churn": Domain(
        name="churn",
        title="Telecom churn: probability that a customer leaves (BigML churn file columns)",
        key=churn_raw.KEY,
        registry="ml.churn_model_versions",
        tables=("ml.churn_model_versions", BUILD_SETTINGS),
        columns=tuple(churn_raw.COLUMNS),
        required=tuple(c for c in churn_raw.COLUMNS if c not in ("Area code", "Churn")),
        featurise=_churn_features,
        routes=(
            Route(
                churn.SCORING_MODEL,
                churn.base_spec(),
                _every_row,
                churn.LABELS,
                alternatives=(churn.BASELINE_MODEL,),
            ),
        ),
        example={
            "State": "KS",
            "Account length": 128,
            "Area code": 415,
            "International plan": "No",
            "Voice mail plan": "Yes",
            "Number vmail messages": 25,
            "Total day minutes": 265.1,
            "Total day calls": 110,
            "Total day charge": 45.07,
            "Total eve minutes": 197.4,
            "Total eve calls": 99,
            "Total eve charge": 16.78,
            "Total night minutes": 244.7,
            "Total night calls": 91,
            "Total night charge": 11.01,
            "Total intl minutes": 10.0,
            "Total intl calls": 3,
            "Total intl charge": 2.7,
            "Customer service calls": 4,
        },
    ),
    "offers": Domain(
        name="offers",
        title="Sales pipeline: probability that an offer closes won (offers file columns)",
        key=offers_raw.KEY,
        registry="ml.offer_model_versions",
        tables=(
            "ml.offer_model_versions",
            BUILD_SETTINGS,
            "sales.lead_attributes",
            "seeds.offer_statuses",
        ),
        columns=tuple(offers_raw.COLUMNS),
        required=("Created Date",),
        featurise=_offer_features,
        routes=(
            Route(
                sales.CLOSED_MODEL,
                _OFFER_SPECS["at_close"],
                lambda f: f["is_closed"].to_numpy(dtype=bool),
                sales.LABELS,
                alternatives=(sales.baseline_name(sales.CLOSED_MODEL),),
                rows_described="closed offers (Status Closed Won or Closed Lost)",
                rows_column="Status",
                example_changes={"Status": "Closed Won", "Close Date": "2024-04-18"},
            ),
            # open offers: the chance to close won within the horizon at their age, as the
            # marts (open_offers); at_open, the chance at creation, is an alternative
            Route(
                sales.BY_AGE_MODEL,
                landmark.spec_for_scoring(sales.by_age_specs(90)["model"]),
                lambda f: ~f["is_closed"].to_numpy(dtype=bool),
                sales.LABELS,
                alternatives=(
                    sales.baseline_name(sales.BY_AGE_MODEL),
                    sales.OPEN_MODEL,
                    sales.baseline_name(sales.OPEN_MODEL),
                ),
                rows_described="open offers (any other Status, or none)",
                rows_column="Status",
                prepare=landmark.with_age_at_training_date,
                skip=sales.UNSTATED,
                wording=sales.WORDING,
            ),
        ),
        example={
            "Id": "a1b2c3",
            "Use Case": "Corporate Events",
            "Status": "Demo 1",
            "Created Date": "2024-03-05",
            "Price": 2500,
            "Discount code": "",
            "Pain": "operations",
            "Lead Source": "Inbound",
            "Lead City": "Madrid",
            "Lead Created Date": "2024-02-20",
        },
    ),
    "campaign": Domain(
        name="campaign",
        title="Campaign response: probability that a customer answers the next campaign "
        "(iFood marketing_campaign file columns)",
        key=campaign_raw.KEY,
        registry="ml.campaign_model_versions",
        tables=(
            "ml.campaign_model_versions",
            BUILD_SETTINGS,
            "campaign.campaign_feature_parameters",
            "seeds.marital_status_map",
        ),
        columns=tuple(campaign_raw.COLUMNS),
        required=(
            "ID",
            "Dt_Customer",
            *campaign_raw.INTEGERS,
        ),
        featurise=_campaign_features,
        routes=(
            Route(
                campaign.MODEL,
                campaign.scoring_spec(),
                _every_row,
                campaign.LABELS,
                alternatives=(campaign.BASELINE,),
            ),
        ),
        example={
            "ID": 5524,
            "Year_Birth": 1957,
            "Education": "Graduation",
            "Marital_Status": "Single",
            "Income": 58138,
            "Kidhome": 0,
            "Teenhome": 0,
            "Dt_Customer": "04-09-2012",
            "Recency": 58,
            "MntWines": 635,
            "MntFruits": 88,
            "MntMeatProducts": 546,
            "MntFishProducts": 172,
            "MntSweetProducts": 88,
            "MntGoldProds": 88,
            "NumDealsPurchases": 3,
            "NumWebPurchases": 8,
            "NumCatalogPurchases": 10,
            "NumStorePurchases": 4,
            "NumWebVisitsMonth": 7,
            "AcceptedCmp3": 0,
            "AcceptedCmp4": 0,
            "AcceptedCmp5": 0,
            "AcceptedCmp1": 0,
            "AcceptedCmp2": 0,
            "Complain": 0,
        },
    ),
}


def domain_of(name: str) -> Domain:
    if name not in DOMAINS:
        raise ValueError(f"unknown domain {name!r}; expected one of {', '.join(DOMAINS)}")
    return DOMAINS[name]


#: The raw file each domain's records come from, as people name it.
FILES = {
    "churn": "the BigML churn file (churn-bigml-80.csv)",
    "offers": "the sales offers file (offers.csv)",
    "campaign": "the iFood campaign file (marketing_campaign.csv)",
}


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
            f"; it looks like {FILES[guess]}: score it as {guess}"
            if guess and guess != domain
            else ""
        )
        raise WrongFileError(
            f"the header has none of the columns of {FILES[domain]} "
            f"({', '.join(spec.required[:4])}, ...){hint}."
        )
    missing = [c for c in spec.required if c not in names]
    if missing:
        raise WrongFileError(
            f"the header lacks {len(missing)} column(s) of {FILES[domain]}: "
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
    settings and the build's lookups, :attr:`Domain.tables`)."""
    found = domain_of(domain)
    return tuple(t for t in found.tables if t != found.registry)


# --- Reading what the build published --------------------------------------------------------


def default_warehouse() -> Path:
    """The warehouse dbt builds: $REVENUE_ML_DUCKDB, else warehouse.duckdb (as profiles.yml)."""
    return Path(os.environ.get("REVENUE_ML_DUCKDB", "warehouse.duckdb"))


class WarehouseBusyError(RuntimeError):
    """The warehouse file is held by a writer (a dbt build)."""


def read_warehouse_tables(
    warehouse: Path, tables: tuple[str, ...], missing: dict[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """``tables`` read over one read-only connection (opened, read, closed at once). A table
    the warehouse lacks raises FileNotFoundError, or is recorded in ``missing`` (table ->
    why) when that dict is given.

    DuckDB allows one writer or many readers per file: while ``dbt build`` writes the
    warehouse, opening it fails; that is reported as :class:`WarehouseBusyError` with the way
    out (the published snapshot holds the same tables)."""
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse {warehouse} not found; run dbt build first")
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            out = {}
            for table in tables:
                try:
                    out[table] = con.execute(f"select * from {table}").df()
                except duckdb.CatalogException:
                    why = (
                        f"warehouse {warehouse} has no table {table}; run dbt build (a build "
                        f"older than the scorer does not have it)"
                    )
                    if missing is None:
                        raise FileNotFoundError(why) from None
                    missing[table] = why
            return out
    except duckdb.IOException as err:
        if "lock" not in str(err).lower():
            raise
        raise WarehouseBusyError(
            f"the warehouse {warehouse} is being written by another process (a dbt build?), "
            f"so its registry cannot be read now. Fix: wait for the build to finish, or score "
            f"with what the last build published: --snapshot {snapshot_root(warehouse)}"
        ) from None


def read_snapshot_tables(root: Path, tables: tuple[str, ...]) -> tuple[str, dict]:
    """(snapshot id, ``tables``) from the newest complete snapshot under ``root`` (Parquet
    files a build published; reading them never touches the warehouse)."""
    info = latest_snapshot(root)
    if info is None:
        raise FileNotFoundError(f"no published snapshot under {root}; run dbt build first")
    missing = [t for t in tables if t not in info.tables]
    if missing:
        raise FileNotFoundError(
            f"snapshot {info.path} lacks {', '.join(missing)} (a build older than the "
            f"scorer?); run dbt build to publish a new one"
        )
    return info.snapshot_id, {t: pd.read_parquet(info.path / f"{t}.parquet") for t in tables}


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
    model the domain routes rows to, and the build's lookups. :meth:`score` is what
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
                # the model's own probability: a record is new data, even when its key matches
                # a training row (an id may come back with changed values)
                scored = scoring.score(
                    route.inputs(part, record),
                    record,
                    route.spec,
                    explain,
                    labels=route.labels,
                    threads=self.threads if len(part) >= self.PARALLEL_MIN_ROWS else 1,
                    skip=route.skip,
                    wording=route.wording,
                )
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

    def score(
        self,
        raw: pd.DataFrame,
        explain: bool = False,
        chunk_rows: int | None = None,
        keep_going: Callable[[int, int], bool] | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """(scored, errors) for the records of ``raw``: the input columns of the good records
        (same index) followed by :meth:`scores`' columns; see the module docstring (None
        when ``keep_going`` said stop, see :meth:`scores`)."""
        result = self.scores(raw, explain, chunk_rows, keep_going)
        if result is None:
            return None
        scores, errors = result
        positions = scores.index.to_numpy()
        inputs = raw.iloc[positions]
        added = scores.reset_index(drop=True)
        # an input column named like a score column is replaced by the score
        kept = inputs.drop(columns=[c for c in added.columns if c in inputs.columns])
        scored = pd.concat([kept.reset_index(drop=True), added], axis=1)
        scored.index = inputs.index
        return scored, errors


def score_records(
    domain: str, raw: pd.DataFrame, tables: Mapping[str, pd.DataFrame], explain: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score raw records of ``domain`` (``churn``, ``offers`` or ``campaign``) with the
    champions in ``tables`` (:func:`read_tables`): (scored, errors), see the module docstring.
    A header that is not the domain's raw file's raises :class:`WrongFileError`."""
    check_header(domain, raw.columns)
    return Scorer(domain, tables).score(raw, explain=explain)


#: Rows scored at a time by :func:`score_in_chunks` (bounded memory, progress, a way to stop).
CHUNK_ROWS = 5_000


def score_in_chunks(
    domain: str,
    raw: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    explain: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    keep_going: Callable[[int, int], bool] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """:func:`score_records`, the scoring (the costly part) ``chunk_rows`` records at a time:
    the same rows and scores. After each chunk ``keep_going(rows_done, rows_total)`` is
    called; when it returns False the work stops and None is returned (the dashboard stops
    when its session ends)."""
    check_header(domain, raw.columns)
    return Scorer(domain, tables).score(raw, explain, chunk_rows, keep_going)


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

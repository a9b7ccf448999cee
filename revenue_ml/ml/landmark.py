"""Entities still open: the chance of the event within a horizon, given the age reached.

A classifier trained on outcomes at creation answers "how likely was this offer to win on its
first day?". A sales manager looking at an offer open for 400 days asks something else: "it is
still open after 400 days: will it still win?". This module answers that question with a
landmark model (landmarking in discrete time, van Houwelingen 2007):

- **Landmark rows** (:func:`landmark_rows`). For every entity and every landmark age ``a`` of
  the spec (days) at which it was still open, one row: the creation features, ``age_days = a``,
  ``age_band`` and the label "closed with the event (won) within ``horizon_days`` of that age".
  A row is kept only when the landmark's whole horizon lies before the knowledge date
  (``created + a + horizon <= known``), whatever happened: its label is then known (1 when the
  entity closed with the event within the horizon; 0 when it closed without it, closed later,
  or stayed open through it). Keeping instead every row whose label happens to be known would
  favour entities that closed quickly (most wins close within days) and inflate the
  probabilities of young entities. Entities still open are evidence too: an offer open for 600
  days says "at 400 days it did not win within 180".
- **As-of backtest** (:func:`as_of_backtest`, evaluation ``as_of_backtest``, the headline).
  Origins spread over the newest ``origin_share`` of the history, each at least a horizon before
  the knowledge date. At origin ``T`` a model is fitted on the landmark rows as they were known
  at ``T`` (entities created by ``T``, closes by ``T``) and scores every entity open at ``T`` at
  its age then; the label is whether it closed with the event within the horizon after ``T``
  (known for every such entity, as ``T + horizon`` precedes the knowledge date). This replays
  exactly the situation of today's open offers.
- **Grouped cross-validation** on the landmark rows (folds by entity, so an entity's rows never
  sit on both sides) gives the out-of-fold probabilities the decision threshold is chosen on.
- The final model is fitted on every landmark row known at the knowledge date (the data's
  as-of date).

Dates are whole days. An entity's close is ``created + max(duration, 0)`` (a close date before
the creation date counts as a close on the creation day); a closed entity without a duration
counts as closed on its creation day.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from revenue_ml.ml import binary, protocols
from revenue_ml.ml import evaluation as ev
from revenue_ml.ml.drift import reference_profile
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.ml.families import BinaryModel
from revenue_ml.ml.families.lightgbm import DEFAULT_PARAMS
from revenue_ml.ml.lifecycle import BaselineRule, SpecTrainer, Trained
from revenue_ml.ml.registry import fingerprint, json_field
from revenue_ml.ml.runtime import SERIAL, Runtime

#: The age feature (days open at the landmark, or at scoring) and its banded twin.
AGE = "age_days"
AGE_BAND = "age_band"
#: The label column of landmark rows.
LABEL = "event_within_horizon"
#: Evaluation name of the as-of backtest.
BACKTEST_EVALUATION = "as_of_backtest"
#: Default landmark ages (days): dense where most entities close, sparse in the tail.
LANDMARKS = (0, 7, 14, 30, 45, 60, 90, 120, 180, 270, 365, 545, 730)

_DAY = np.timedelta64(1, "D")


@dataclass
class LandmarkSpec:
    """What to train: the creation features, the event, the ages and the protocol.

    ``frame`` columns the functions read: ``key``, ``created_column`` (date), ``closed_column``
    (bool: closed by the as-of date of the data), ``event_column`` (1 = the event, e.g. won;
    0 = closed without it; null while open), ``duration_column`` (days from creation to close,
    closed entities; may be negative or null) and the features.
    """

    name: str
    domain: str
    variant: str
    key: str
    numeric: list[str]
    categorical: list[str] = field(default_factory=list)
    created_column: str = "created_date"
    closed_column: str = "is_closed"
    event_column: str = "won"
    duration_column: str = "duration_days"
    #: Landmark ages in days, ascending, starting at 0.
    landmarks: tuple[int, ...] = LANDMARKS
    #: The event counts when it happens within this many days of the landmark.
    horizon_days: int = 180
    #: Whether the model sees the age as a number (``age_days``) or as bands (``age_band``).
    age_as_band: bool = False
    #: As-of backtest: number of origins and the share of the history (newest) they span.
    origins: int = 10
    origin_share: float = 0.5
    cv_folds: int = 5
    seed: int = 42
    min_rows: int = 50
    params: dict = field(default_factory=lambda: dict(DEFAULT_PARAMS))

    @property
    def age_feature(self) -> str:
        return AGE_BAND if self.age_as_band else AGE

    @property
    def features(self) -> list[str]:
        return self.model_numeric + self.model_categorical

    @property
    def model_numeric(self) -> list[str]:
        return list(self.numeric) + ([] if self.age_as_band else [AGE])

    @property
    def model_categorical(self) -> list[str]:
        return list(self.categorical) + ([AGE_BAND] if self.age_as_band else [])

    def binary_spec(self) -> binary.BinarySpec:
        """The spec the binary fitting, scoring and explaining functions take (features with
        the age; target = the landmark label)."""
        return binary.BinarySpec(
            name=self.name,
            domain=self.domain,
            variant=self.variant,
            key=self.key,
            target=LABEL,
            numeric=self.model_numeric,
            categorical=self.model_categorical,
            cv_folds=self.cv_folds,
            seed=self.seed,
            min_rows=self.min_rows,
            params=dict(self.params),
        )


def age_band(age_days: np.ndarray | pd.Series, landmarks: tuple[int, ...] = LANDMARKS) -> list:
    """The band of each age: from the largest landmark at or below it to the next one
    ("30-44 days"; the last band "730+ days"); None for a missing age."""
    ages = pd.to_numeric(pd.Series(age_days), errors="coerce").to_numpy(dtype=float)
    edges = np.asarray(landmarks, dtype=float)
    names = [
        f"{lo}-{hi - 1} days" if hi is not None else f"{lo}+ days"
        for lo, hi in zip(landmarks, [*landmarks[1:], None], strict=True)
    ]
    position = np.searchsorted(edges, np.where(np.isnan(ages), 0.0, ages), side="right") - 1
    return [
        None if np.isnan(a) else names[max(int(p), 0)] for a, p in zip(ages, position, strict=True)
    ]


def with_age(frame: pd.DataFrame, age_days, spec: LandmarkSpec) -> pd.DataFrame:
    """``frame`` with the age features of ``spec`` set from ``age_days`` (days, one per row)."""
    out = frame.copy()
    out[AGE] = np.asarray(age_days, dtype=float)
    out[AGE_BAND] = age_band(out[AGE].to_numpy(), spec.landmarks)
    return out


@dataclass(frozen=True)
class Timeline:
    """Each entity's dates in days since the epoch (int64): created, closed (closed entities;
    -1 otherwise), and the final event label (1 / 0; -1 while open)."""

    created: np.ndarray
    closed_on: np.ndarray
    is_closed: np.ndarray
    event: np.ndarray


def timeline(frame: pd.DataFrame, spec: LandmarkSpec) -> Timeline:
    """The entities' dates and outcomes, read from ``frame`` (see :class:`LandmarkSpec`)."""
    created = pd.to_datetime(frame[spec.created_column]).to_numpy(dtype="datetime64[D]")
    if np.isnat(created).any():
        raise ModelInputError(
            f"model {spec.name}: {int(np.isnat(created).sum())} row(s) have no "
            f"{spec.created_column}; every entity needs its creation date."
        )
    days = created.astype(np.int64)
    is_closed = frame[spec.closed_column].fillna(False).astype(bool).to_numpy()
    duration = pd.to_numeric(frame[spec.duration_column], errors="coerce").to_numpy(dtype=float)
    duration = np.where(np.isnan(duration), 0.0, np.maximum(duration, 0.0)).astype(np.int64)
    closed_on = np.where(is_closed, days + duration, -1)
    event = pd.to_numeric(frame[spec.event_column], errors="coerce").to_numpy(dtype=float)
    event = np.where(is_closed, np.nan_to_num(event, nan=0.0), -1).astype(np.int64)
    return Timeline(days, closed_on, is_closed, event)


def _day(value) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def landmark_rows(frame: pd.DataFrame, spec: LandmarkSpec, known_on) -> pd.DataFrame:
    """The landmark rows known on date ``known_on`` (see the module docstring): the entity's
    columns (features and key), ``age_days`` (= the landmark), ``age_band`` and the label
    :data:`LABEL`, ordered by key then age (any input order gives the same rows)."""
    t = timeline(frame, spec)
    known = _day(known_on)
    exists = t.created <= known
    closed = t.is_closed & (t.closed_on <= known)
    # days observed open: until the close when it is known, else until the knowledge date
    observed = np.where(closed, t.closed_on - t.created, known - t.created)
    parts = []
    for a in spec.landmarks:
        at_risk = exists & (observed >= a)
        # the landmark's whole horizon lies before the knowledge date, whatever the outcome: a
        # row known only because the entity closed early would favour quick closes (most wins
        # close within days), so recent landmarks wait for their horizon to pass
        horizon_seen = t.created + a + spec.horizon_days <= known
        take = np.flatnonzero(at_risk & horizon_seen)
        if not len(take):
            continue
        label = closed[take] & (t.event[take] == 1) & (observed[take] <= a + spec.horizon_days)
        part = frame.iloc[take].copy()
        part[AGE] = float(a)
        part[LABEL] = label.astype(int)
        parts.append(part)
    if not parts:
        out = frame.iloc[:0].copy()
        out[AGE] = pd.Series(dtype=float)
        out[LABEL] = pd.Series(dtype=int)
    else:
        out = pd.concat(parts, ignore_index=True)
    out[AGE_BAND] = age_band(out[AGE].to_numpy(), spec.landmarks)
    return out.sort_values([spec.key, AGE], kind="mergesort").reset_index(drop=True)


def open_at(frame: pd.DataFrame, spec: LandmarkSpec, origin) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the entities open on date ``origin`` (created by then, not closed by then)
    and their age that day in days."""
    t = timeline(frame, spec)
    day = _day(origin)
    is_open = (t.created <= day) & ~(t.is_closed & (t.closed_on <= day))
    idx = np.flatnonzero(is_open)
    return idx, (day - t.created[idx]).astype(float)


def backtest_origins(frame: pd.DataFrame, spec: LandmarkSpec, known_on) -> list[np.datetime64]:
    """The as-of backtest's origins: ``spec.origins`` dates evenly spread from the creation
    date that starts the newest ``origin_share`` of the entities to a horizon before
    ``known_on`` (so every label is known); none when the history is shorter than that."""
    if spec.origins <= 0 or not len(frame):
        return []
    created = np.sort(timeline(frame, spec).created)
    last = _day(known_on) - spec.horizon_days
    first = int(created[min(len(created) - 1, int(len(created) * (1 - spec.origin_share)))])
    if last <= first:
        return []
    days = np.unique(np.round(np.linspace(first, last, spec.origins)).astype(np.int64))
    return [np.datetime64(int(d), "D") for d in days]


@dataclass
class Backtest:
    """What the as-of backtest produced: evaluation rows, pooled metrics, curves, and the
    pooled labels and probabilities with each row's origin and key."""

    rows: list[dict]
    metrics: dict[str, float]
    curves: dict
    labels: np.ndarray
    probabilities: np.ndarray
    origins: np.ndarray
    keys: np.ndarray


def as_of_backtest(
    frame: pd.DataFrame,
    spec: LandmarkSpec,
    model: type[BinaryModel],
    known_on,
    threshold: float,
    runtime: Runtime = SERIAL,
) -> Backtest:
    """Replay the decision at each origin (see the module docstring) with ``model`` (a
    family's class); metrics at ``threshold`` are pooled over every origin's open entities
    (:func:`revenue_ml.ml.protocols.windowed_evaluation`, fold = the origin)."""
    # the open entities in key order: the pooled figures then sum in the same order whatever
    # the input's row order (a warehouse table's scan order is not fixed)
    frame = protocols.in_key_order(frame, spec.key)
    bspec = spec.binary_spec()
    t = timeline(frame, spec)
    known = _day(known_on)
    jobs = []
    for origin in backtest_origins(frame, spec, known_on):
        train = landmark_rows(frame, spec, origin)
        y_train = train[LABEL].to_numpy()
        if len(train) < spec.min_rows or len(np.unique(y_train)) < 2:
            continue
        idx, ages = open_at(frame, spec, origin)
        if not len(idx):
            continue
        day = int(origin.astype(np.int64))
        # the event within the horizon after the origin; every label is known (origin <= as of
        # - horizon): a close after the origin is in the data, an entity still open is not won
        closes_in_time = t.is_closed[idx] & (t.closed_on[idx] <= day + spec.horizon_days)
        y_test = (closes_in_time & (t.event[idx] == 1)).astype(int)
        known_label = t.is_closed[idx] | (known >= day + spec.horizon_days)
        idx, ages, y_test = idx[known_label], ages[known_label], y_test[known_label]
        test = with_age(frame.iloc[idx], ages, spec)
        jobs.append((origin, train, test, y_test))

    def run(job):
        origin, train, test, _ = job
        fitted = model.fit(binary.prepare(train, bspec), train[LABEL].to_numpy(), bspec)
        return fitted.predict_proba(binary.prepare(test, bspec), bspec)

    scored = [
        protocols.Scored(str(np.datetime_as_string(origin, unit="D")), y_w, prob, len(train))
        for (origin, train, _, y_w), prob in zip(jobs, runtime.map(run, jobs), strict=True)
    ]
    result = protocols.windowed_evaluation(
        BACKTEST_EVALUATION, scored, threshold, {"horizon_days": float(spec.horizon_days)}
    )
    if not jobs:
        empty = np.zeros(0)
        return Backtest(result.rows, {}, {}, empty.astype(int), empty, empty, empty)
    origin_all = np.concatenate([np.full(len(w.labels), w.fold) for w in scored])
    key_all = np.concatenate([j[2][spec.key].to_numpy(dtype=object) for j in jobs])
    metrics = result.metrics
    runtime.log(
        f"{model.family} as-of backtest ({len(jobs)} origins, {len(result.labels)} open "
        f"entities): pooled auc {metrics['auc']:.4f}, brier {metrics['brier']:.4f}, ece "
        f"{metrics['ece']:.4f}"
    )
    return Backtest(
        result.rows,
        metrics,
        result.curves,
        result.labels,
        result.probabilities,
        origin_all,
        key_all,
    )


def grouped_cv(
    rows: pd.DataFrame, spec: LandmarkSpec, model: type[BinaryModel], runtime: Runtime = SERIAL
) -> tuple[np.ndarray, int]:
    """Out-of-fold probabilities of the landmark rows (folds by entity, stratified by label,
    seeded) and the number of folds used (fewer when an entity-level class is rare)."""
    bspec = spec.binary_spec()
    y = rows[LABEL].to_numpy()
    groups = rows[spec.key].astype(str).to_numpy()
    folds = max(2, min(spec.cv_folds, int(np.bincount(y, minlength=2).min())))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=spec.seed)
    splits = list(splitter.split(np.zeros(len(y)), y, groups))
    x = binary.prepare(rows, bspec)

    def run(split):
        train_idx, test_idx = split
        fitted = model.fit(x.iloc[train_idx], y[train_idx], bspec)
        return test_idx, fitted.predict_proba(x.iloc[test_idx], bspec)

    oof = np.zeros(len(y))
    for test_idx, prob in runtime.map(run, splits):
        oof[test_idx] = prob
    return oof, folds


@dataclass
class LandmarkTrainer(SpecTrainer):
    """A registered landmark model (see the module docstring): trainer for
    :func:`revenue_ml.ml.lifecycle.train_or_reuse`; ``model`` is the family's class
    (:mod:`revenue_ml.ml.families`). The knowledge date is the frame's ``as_of_column`` (one
    date for every row: the data's as-of date)."""

    spec: LandmarkSpec
    model: type[BinaryModel]
    quality_floor: float | None = None
    as_of_column: str = "as_of_date"
    baseline_rule: BaselineRule | None = None
    primary_metric: str = "auc"

    @property
    def categorical_features(self) -> list[str]:
        return self.spec.model_categorical

    @property
    def params(self) -> dict:
        spec = self.spec
        params = self.spec_params(
            cv_folds=spec.cv_folds,
            quality_floor=self.quality_floor,
            landmarks=list(spec.landmarks),
            horizon_days=spec.horizon_days,
            origins=spec.origins,
            origin_share=spec.origin_share,
        )
        return self.with_baseline_rule(params)

    def known_on(self, frame: pd.DataFrame):
        values = pd.to_datetime(frame[self.as_of_column]).dropna().unique()
        if len(values) != 1:
            raise ModelInputError(
                f"model {self.name}: {self.as_of_column} must hold one date (the data's as-of "
                f"date), found {len(values)}."
            )
        return values[0]

    def landmark_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        return landmark_rows(frame, self.spec, self.known_on(frame))

    def fingerprint(self, frame: pd.DataFrame) -> str:
        # landmark rows come in (key, age) order whatever the input order
        rows = self.landmark_rows(frame)
        return fingerprint(rows, [self.spec.key, AGE, *self.spec.features, LABEL])

    def train(self, frame: pd.DataFrame, runtime: Runtime) -> Trained:
        spec, bspec = self.spec, self.spec.binary_spec()
        known_on = self.known_on(frame)
        rows = landmark_rows(frame, spec, known_on)
        y = rows[LABEL].to_numpy()
        if len(rows) < spec.min_rows or len(np.unique(y)) < 2:
            raise ModelInputError(
                f"model {self.name}: {len(rows)} landmark rows with labels "
                f"{sorted(np.unique(y).tolist())}; at least {spec.min_rows} rows of both "
                f"classes are needed. Fix: supply more closed history."
            )
        began = time.monotonic()
        oof, folds = grouped_cv(rows, spec, self.model, runtime)
        threshold = ev.best_f1_threshold(y, oof)
        cv_name = f"grouped_cv_{folds}fold"
        metrics = {cv_name: ev.binary_metrics(y, oof, threshold)}
        evaluation = ev.metric_rows(cv_name, "all", metrics[cv_name])
        curves = {
            cv_name: {"roc": ev.roc_points(y, oof), "calibration": ev.calibration_bins(y, oof)}
        }
        runtime.log(
            f"{self.family} grouped cv ({folds} folds, {len(rows)} landmark rows): auc "
            f"{metrics[cv_name]['auc']:.4f} ({time.monotonic() - began:.1f} s)"
        )
        backtest = as_of_backtest(frame, spec, self.model, known_on, threshold, runtime)
        evaluation += backtest.rows
        if backtest.metrics:
            metrics[BACKTEST_EVALUATION] = backtest.metrics
            curves[BACKTEST_EVALUATION] = backtest.curves
        primary = BACKTEST_EVALUATION if backtest.metrics else cv_name

        x = binary.prepare(rows, bspec)
        final = self.model.fit(x, y, bspec)
        start = rows[rows[AGE] == 0]
        return Trained(
            # the knowledge date: the scorer of raw records (REST, CLI, MLflow) ages an open
            # offer at it, as the marts do at the build's as-of date
            selected_params={"as_of_date": str(pd.Timestamp(known_on).date())},
            model_family=self.family,
            model_format=final.model_format,
            model_text=final.to_text(),
            training_rows=len(rows),
            primary_metric=f"{primary}.{self.primary_metric}",
            primary_metric_value=metrics[primary][self.primary_metric],
            metrics=metrics,
            evaluation=evaluation,
            curves=curves,
            feature_importance=final.importance(x, bspec),
            # the average entity as created (landmark 0), for the reasons' comparisons
            reference_profile=reference_profile(
                start if len(start) else rows, bspec.numeric, bspec.categorical, spec.seed
            ),
            threshold=threshold,
        )


def with_age_at_training_date(
    frame: pd.DataFrame, record: dict, created_column: str = "created_date"
) -> pd.DataFrame:
    """``frame`` (open entities) with the age features at the knowledge date of the data the
    registered version ``record`` was trained on (its ``params.selected_params.as_of_date``;
    a build's marts age entities at the same date when they score them) and its landmarks."""
    params = json_field(record.get("params"))
    as_of = (params.get("selected_params") or {}).get("as_of_date")
    if as_of is None:
        raise ModelInputError(
            f"model {record.get('model_name')} v{record.get('model_version')}: the version does "
            "not record the as-of date it was trained on (trained before landmarks did); run "
            "dbt build to train a version that does."
        )
    created = pd.to_datetime(frame[created_column])
    age = (pd.Timestamp(as_of) - created).dt.days.clip(lower=0)
    landmarks = tuple(int(a) for a in params.get("landmarks", LANDMARKS))
    out = frame.copy()
    out[AGE] = age.astype(float).to_numpy()
    out[AGE_BAND] = age_band(out[AGE].to_numpy(), landmarks)
    return out


def spec_for_scoring(spec: LandmarkSpec) -> binary.BinarySpec:
    """The binary spec :func:`revenue_ml.ml.scoring.score` scores a landmark model with."""
    return replace(spec.binary_spec(), target=spec.event_column)

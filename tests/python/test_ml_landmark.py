"""The landmark model behind the open-offer list (revenue_ml.ml.landmark): the chance that an
offer still open at its age closes won within the horizon."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import ml_settings

from revenue_ml.domains import sales
from revenue_ml.ml import landmark, reasons
from revenue_ml.ml.families import LightGBM, LinearModel
from revenue_ml.ml.lifecycle import BaselineRule, serving, train_or_reuse
from revenue_ml.ml.runtime import SERIAL

SPEC = landmark.LandmarkSpec(
    name="toy_by_age",
    domain="toy",
    variant="by_age",
    key="offer_id",
    numeric=["price"],
    landmarks=(0, 10, 30),
    horizon_days=20,
    origins=4,
    cv_folds=3,
    min_rows=10,
)


def offers() -> pd.DataFrame:
    """Four offers, known on 2024-03-01:
    a: created 01-01, closed won after 5 days; b: created 01-01, lost after 40 days;
    c: created 01-15, still open (46 days); d: created 02-25, still open (5 days)."""
    return pd.DataFrame(
        {
            "offer_id": ["a", "b", "c", "d"],
            "created_date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-25"]
            ),
            "is_closed": [True, True, False, False],
            "won": [1.0, 0.0, None, None],
            "duration_days": [5.0, 40.0, None, None],
            "price": [100.0, 200.0, 300.0, 400.0],
        }
    )


def test_landmark_rows_follow_the_rules() -> None:
    rows = landmark.landmark_rows(offers(), SPEC, "2024-03-01")
    got = {(r.offer_id, int(r.age_days)): int(r.event_within_horizon) for r in rows.itertuples()}
    assert got == {
        # a: open at 0 only, won on day 5 (within 20 days of landmark 0)
        ("a", 0): 1,
        # b: open at 0, 10 and 30; lost on day 40 (beyond 0 + 20 and 10 + 20: not won; at 30 it
        # closed within the horizon, lost)
        ("b", 0): 0,
        ("b", 10): 0,
        ("b", 30): 0,
        # c: still open after 46 days: at 0 and 10 it stayed open a whole horizon (not won);
        # landmark 30 + 20 = day 50 lies after the knowledge date: censored, left out
        ("c", 0): 0,
        ("c", 10): 0,
        # d: 5 days old; landmark 0's horizon (day 20) is not over: left out
    }
    assert list(rows["age_band"].unique()) == ["0-9 days", "10-29 days", "30+ days"]


def test_a_row_waits_for_its_horizon_whatever_the_outcome() -> None:
    # an offer created 5 days before the knowledge date that already closed won is left out
    # like one still open: keeping it would favour quick closes
    frame = offers()
    frame.loc[3, ["is_closed", "won", "duration_days"]] = [True, 1.0, 2.0]
    rows = landmark.landmark_rows(frame, SPEC, "2024-03-01")
    assert "d" not in set(rows["offer_id"])


def test_landmark_rows_ignore_row_order() -> None:
    a = landmark.landmark_rows(offers(), SPEC, "2024-03-01")
    b = landmark.landmark_rows(offers().iloc[::-1], SPEC, "2024-03-01")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_open_at_and_the_ages_then() -> None:
    idx, ages = landmark.open_at(offers(), SPEC, "2024-01-20")
    # a closed on 01-06, b (closes 02-10) and c open, d not created yet
    assert offers().iloc[idx]["offer_id"].tolist() == ["b", "c"]
    assert ages.tolist() == [19.0, 5.0]


def test_age_bands() -> None:
    assert landmark.age_band([0, 9, 10, 29, 30, 400, np.nan], (0, 10, 30)) == [
        "0-9 days",
        "0-9 days",
        "10-29 days",
        "10-29 days",
        "30+ days",
        "30+ days",
        None,
    ]


def synthetic(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Offers over a year: cheaper ones win more often, and wins close fast while losses
    linger; a tenth never close. Knowledge date: the last creation day."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    price = rng.choice([100.0, 400.0, 1600.0], n)
    won = rng.random(n) < np.where(price < 300, 0.7, 0.3)
    duration = np.where(won, rng.geometric(1 / 5, n), rng.geometric(1 / 60, n)).astype(float)
    as_of = created.max()
    closed = (created + pd.to_timedelta(duration, unit="D") <= as_of) & (rng.random(n) > 0.1)
    return pd.DataFrame(
        {
            "offer_id": [f"o{i:04d}" for i in range(n)],
            "created_date": created,
            "is_closed": closed,
            "won": np.where(closed, won.astype(float), np.nan),
            "duration_days": np.where(closed, duration, np.nan),
            "price": price,
            "as_of_date": as_of,
        }
    )


#: A landmark model of synthetic(): SPEC at the default ages, a 30-day horizon.
TOY = replace(SPEC, name="toy", landmarks=landmark.LANDMARKS, horizon_days=30, min_rows=50)


def test_backtest_replays_past_dates_and_is_deterministic() -> None:
    spec = replace(TOY, landmarks=(0, 7, 14, 30, 60, 90), origins=5)
    frame = synthetic()
    known = frame["as_of_date"].iloc[0]
    origins = landmark.backtest_origins(frame, spec, known)
    assert origins and max(origins) <= np.datetime64(known - pd.Timedelta(days=30), "D")
    first = landmark.as_of_backtest(frame, spec, LightGBM, known, 0.5)
    again = landmark.as_of_backtest(
        frame.sample(frac=1, random_state=3), spec, LightGBM, known, 0.5
    )
    # every figure to the bit, whatever the input's row order
    assert first.rows == again.rows and first.metrics == again.metrics
    assert first.metrics["windows"] == len(origins)
    # age matters: the model knows an old open offer rarely wins
    assert first.metrics["auc"] > 0.6


def test_trainer_registers_and_the_baseline_serves_when_the_model_loses() -> None:
    frame = synthetic()
    model = TOY
    base = replace(model, name="toy_baseline", age_as_band=True)
    # a margin no model can reach: the baseline must score
    rule = BaselineRule("toy_baseline", f"{landmark.BACKTEST_EVALUATION}.auc", margin=1.0)
    trainers = [
        landmark.LandmarkTrainer(model, LightGBM, None, baseline_rule=rule),
        landmark.LandmarkTrainer(base, LinearModel, None),
    ]
    registry = train_or_reuse(frame, trainers, None, "always", SERIAL)
    assert set(registry["model_name"]) == {"toy", "toy_baseline"}
    assert (registry["primary_metric"] == "as_of_backtest.auc").all()
    record, why = serving(registry.assign(passed_gate=True, registered_alias="champion"), "toy")
    assert record["model_name"] == "toy_baseline"
    assert "does not beat its baseline" in why
    # reused on the same data, in another row order
    again = train_or_reuse(
        frame.sample(frac=1, random_state=1),
        trainers,
        registry.assign(passed_gate=True),
        "if_data_changed",
        SERIAL,
    )
    assert again.empty


def test_sales_by_age_scores_open_offers_at_their_age() -> None:
    """sales.score_offers: open offers scored by the serving by_age version at their age, with
    the at-creation chance beside it; older offers of the same kind get lower chances."""
    frame = synthetic(800)
    frame = frame.assign(
        lead_id=None,
        status=np.where(frame["is_closed"], "Closed Won", "Demo 1"),
        use_case=None,
        lead_source=None,
        has_discount_code=1,
        discount_number=20.0,
        discount_code="SAVE20",
        has_lead_id=1,
        use_case_or_not_recorded="Corporate Events",
        pain_or_not_recorded="operations",
        price_band="400-799",
        outcome_known_date=frame["created_date"]
        + pd.to_timedelta(frame["duration_days"], unit="D"),
        open_age_days=(frame["as_of_date"] - frame["created_date"]).dt.days.where(
            ~frame["is_closed"]
        ),
    )
    frame["status"] = np.where(frame["won"] == 0, "Closed Lost", frame["status"])
    for column in sales.AT_CLOSE_NUMERIC + sales.CATEGORICAL:
        if column not in frame:
            frame[column] = 0.0 if column in sales.AT_CLOSE_NUMERIC else "x"
    frame["duration_days"] = frame["duration_days"]
    settings = sales.Settings(
        ml=ml_settings(),
        currency="\u20ac",
        auc_floor_at_close=None,
        auc_floor_at_open=None,
        auc_floor_by_age=None,
        baseline_margin=0.0,
        win_horizon_days=30,
        gate_min_positives=50,
    )
    registry = sales.train(frame, None, settings).assign(passed_gate=True)
    scores = sales.score_offers(frame, registry, settings)
    opened = scores[~scores["is_closed"].astype(bool)].merge(frame[["offer_id", "open_age_days"]])
    assert set(opened["variant"]) == {"by_age"}
    assert opened["probability_at_creation"].notna().all()
    # the sales wording; an offer whose only strong factor is its age (left out: the mart
    # states it) reads "no single factor stands out"
    worded = opened["reasons"].str.startswith(("For a win", "Against"))
    assert worded.any()
    assert (worded | (opened["reasons"] == reasons.NOTHING_STANDS_OUT)).all()
    assert not opened["reasons"].str.contains("open for").any(), "the age is stated by the mart"
    young = opened[opened["open_age_days"] < 7]["probability"].mean()
    old = opened[opened["open_age_days"] > 120]["probability"].mean()
    assert old < young


@pytest.mark.parametrize("column", ["as_of_date"])
def test_one_knowledge_date_is_required(column: str) -> None:
    frame = synthetic(100)
    frame.loc[0, column] = frame[column].iloc[0] - pd.Timedelta(days=1)
    trainer = landmark.LandmarkTrainer(SPEC, LightGBM)
    with pytest.raises(Exception, match="must hold one date"):
        trainer.fingerprint(frame)

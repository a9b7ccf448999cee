"""The raw-record twins of the staging and feature SQL (revenue_ml.raw_features) against the
marts of the session's small build, and the one scoring path (revenue_ml.score) behind the
CLI: features equal to the marts within 1e-9 for every staged row, bad rows named with the fix
while the good ones are scored, the input columns kept; the churn twin's keys (stable under
reordering, labels and exact twins) and its strict form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DbtResult, bigml_rows, query_frame

from revenue_ml import score
from revenue_ml.ml.errors import ModelInputError
from revenue_ml.raw_features import _as_text
from revenue_ml.raw_features import campaign as campaign_raw
from revenue_ml.raw_features import churn as churn_raw
from revenue_ml.raw_features import offers as offers_raw

RAW_FILES = {
    "churn": Path("telco_churn/churn-bigml-80.csv"),
    "offers": Path("shimoku/offers.csv"),
    "campaign": Path("marketing_campaign/marketing_campaign.csv"),
}
MARTS = {
    "churn": ("churn.churn_features", ["churned", "is_labeled", *churn_raw.FEATURES]),
    "offers": ("sales.offer_features", offers_raw.FEATURE_COLUMNS),
    "campaign": (
        "campaign.campaign_features",
        ["responded", "is_labeled", *campaign_raw.FEATURE_COLUMNS],
    ),
}
#: Staging reasons that depend on the whole file (a batch of records cannot apply them).
FILE_LEVEL_REASONS = {"implausible_created_date", "implausible_close_date", "duplicate_key"}


@pytest.fixture(scope="module")
def tables(small_warehouse: DbtResult) -> dict[str, dict[str, pd.DataFrame]]:
    return {d: score.read_tables(d, warehouse=small_warehouse.duckdb_path) for d in score.DOMAINS}


def assert_same(mart: pd.Series, twin: pd.Series, name: str) -> None:
    if mart.dtype.kind == "M" or twin.dtype.kind == "M":
        a, b = pd.to_datetime(mart), pd.to_datetime(twin)
        assert ((a == b) | (a.isna() & b.isna())).all(), name
    elif mart.dtype.kind in "biuf" or twin.dtype.kind in "biuf":
        a, b = mart.astype("float64").to_numpy(), twin.astype("float64").to_numpy()
        assert (np.isnan(a) == np.isnan(b)).all(), name
        assert np.nanmax(np.abs(a - b), initial=0.0) <= 1e-9, name
    else:
        a, b = mart.astype(object), twin.astype(object)
        assert ((a == b) | (a.isna() & b.isna())).all(), name


@pytest.mark.e2e
@pytest.mark.parametrize("domain", ["churn", "offers", "campaign"])
def test_twin_features_equal_the_marts(
    small_warehouse: DbtResult, small_raw_dir: Path, tables, domain: str
) -> None:
    raw = score.read_input(small_raw_dir / RAW_FILES[domain])
    result = score.Scorer(domain, tables[domain]).featurise(raw)
    assert result.errors.empty, result.errors.head().to_dict("records")
    relation, columns = MARTS[domain]
    key = score.DOMAINS[domain].key
    mart = query_frame(small_warehouse, f"select * from {relation}")
    joined = mart.merge(result.features, on=key, suffixes=("_mart", "_twin"), how="left")
    assert len(joined) == len(mart) and joined[f"{columns[0]}_twin"].notna().any()
    for column in columns:
        assert_same(joined[f"{column}_mart"], joined[f"{column}_twin"], f"{domain}.{column}")
    # the twin scores every raw row but those staging rejected for a file-level reason
    source = {"churn": "telco_churn", "offers": "sales_pipeline", "campaign": "marketing_campaign"}
    rejects = query_frame(
        small_warehouse,
        f"select reject_reason from staging.stg_{source[domain]}__rejects "
        f"where source_table = '{'offers' if domain == 'offers' else 'customers'}'",
    )
    assert set(rejects["reject_reason"]) <= FILE_LEVEL_REASONS
    assert len(result.features) == len(mart) + len(rejects)


@pytest.mark.e2e
def test_offers_take_their_lead_from_the_record_or_the_warehouse(tables) -> None:
    leads = tables["offers"]["sales.lead_attributes"]
    known = leads.dropna(subset=["lead_created_date"]).iloc[0]
    raw = pd.DataFrame(
        [
            {"Id": known["lead_id"], "Use Case": "Corporate Events", "Created Date": "2024-03-05"},
            {"Id": "never-seen", "Created Date": "2024-03-05", "Price": "100"},
            {
                "Id": "never-seen-2",
                "Created Date": "2024-03-05",
                "Lead Source": "Inbound",
                "Lead Created Date": "2024-03-01",
            },
        ]
    )
    features = score.Scorer("offers", tables["offers"]).featurise(raw).features
    assert features["has_lead"].tolist() == [1, 0, 1]
    assert features.loc[0, "lead_source"] == known["lead_source"]
    assert features.loc[0, "has_city"] == float(known["has_city"])
    expected = (pd.Timestamp("2024-03-05") - pd.Timestamp(known["lead_created_date"])).days
    assert features.loc[0, "days_lead_to_offer"] == expected
    assert np.isnan(features.loc[1, "has_city"]) and pd.isna(features.loc[1, "lead_source"])
    assert features.loc[2, "lead_source"] == "Inbound" and features.loc[2, "has_city"] == 0
    assert features.loc[2, "days_lead_to_offer"] == 4
    assert features["offer_id"].tolist() == [
        f"o_{known['lead_id']}",
        "o_never-seen",
        "o_never-seen-2",
    ]
    assert not features["is_closed"].any()  # no Status: open offers


@pytest.mark.e2e
def test_bad_records_are_named_and_the_good_ones_scored(tables, small_raw_dir: Path) -> None:
    raw = score.read_input(small_raw_dir / RAW_FILES["campaign"]).head(6).reset_index(drop=True)
    raw.loc[1, "Dt_Customer"] = "2012-09-04"  # ISO, not the file's DD-MM-YYYY
    raw.loc[2, "Income"] = "58,138"
    raw.loc[3, "MntWines"] = "-5"
    raw.loc[3, "Recency"] = " "
    raw.loc[5, "ID"] = raw.loc[4, "ID"]  # one customer twice, with other values
    scored, errors = score.score_records("campaign", raw, tables["campaign"], explain=True)
    # the good records, by their input index: a repeated ID is no error (the duplicate rule
    # is staging's file-level rule); each copy is scored on its own values
    assert scored.index.tolist() == [0, 4, 5]
    assert scored.loc[4, "customer_id"] == scored.loc[5, "customer_id"]
    for i in (4, 5):
        alone, _ = score.score_records("campaign", raw.loc[[i]], tables["campaign"])
        assert alone["probability"].iloc[0] == scored.loc[i, "probability"]
    assert scored.loc[4, "probability"] != scored.loc[5, "probability"]
    assert set(scored.columns) >= set(raw.columns) | {"probability", "reasons"}
    by_record = {(e.record, e.column): e.message for e in errors.itertuples()}
    assert set(by_record) == {
        (1, "Dt_Customer"),
        (2, "Income"),
        (3, "MntWines"),
        (3, "Recency"),
    }
    assert "give it as DD-MM-YYYY" in by_record[(1, "Dt_Customer")]
    assert "'58,138', not a number" in by_record[(2, "Income")]
    assert "cannot be negative" in by_record[(3, "MntWines")]
    assert "Recency is missing or empty; give a whole number" in by_record[(3, "Recency")]


@pytest.mark.e2e
@pytest.mark.parametrize("domain", ["offers", "campaign"])
def test_cli_keeps_the_input_columns_and_lists_bad_rows(
    small_warehouse: DbtResult, small_raw_dir: Path, tmp_path: Path, tables, domain: str, capsys
) -> None:
    raw = score.read_input(small_raw_dir / RAW_FILES[domain])
    sep = "\t" if domain == "campaign" else ","
    good = tmp_path / "in.csv"
    raw.to_csv(good, sep=sep, index=False)
    out = tmp_path / "out.csv"
    args = [domain, "--input", str(good), "--output", str(out)]
    assert score.main([*args, "--warehouse", str(small_warehouse.duckdb_path)]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns[: len(raw.columns)]) == list(raw.columns)
    expected, _ = score.score_records(domain, raw, tables[domain], explain=True)
    assert len(written) == len(expected)
    np.testing.assert_allclose(
        written["probability"].astype(float), expected["probability"], rtol=0, atol=1e-12
    )
    assert (written["reasons"] != "").all()
    bad = raw.copy()
    column = "Created Date" if domain == "offers" else "Year_Birth"
    bad.loc[0, column] = "soon"
    bad.to_csv(good, sep=sep, index=False)
    assert score.main([*args, "--warehouse", str(small_warehouse.duckdb_path)]) == 2
    assert f"record 0 (line 2), {column}:" in capsys.readouterr().err
    assert len(pd.read_csv(out)) == len(expected) - 1


def test_json_values_read_as_the_file_would_write_them() -> None:
    values = pd.Series([128, 2.5, 3.0, True, None, float("nan"), " KS ", "1e3"], dtype=object)
    assert _as_text(values).tolist() == ["128", "2.5", "3", "True", None, None, " KS ", "1e3"]
    assert _as_text(pd.Series(["a", None])).tolist() == ["a", None]


def test_a_file_of_the_wrong_kind_is_one_line_naming_the_file_it_looks_like(
    small_raw_dir: Path, tables
) -> None:
    campaign_file = score.read_input(small_raw_dir / RAW_FILES["campaign"])
    with pytest.raises(score.WrongFileError) as raised:
        score.score_records("churn", campaign_file, tables["churn"])
    message = str(raised.value)
    assert "\n" not in message
    assert "none of the columns of the BigML churn file" in message
    assert "looks like the iFood campaign file (marketing_campaign.csv)" in message
    churn_file = score.read_input(small_raw_dir / RAW_FILES["churn"])
    with pytest.raises(score.WrongFileError, match="lacks 1 column.*Customer service calls"):
        score.score_records(
            "churn", churn_file.drop(columns="Customer service calls"), tables["churn"]
        )


def test_scoring_in_chunks_gives_the_same_rows_and_stops_when_told(
    small_raw_dir: Path, tables
) -> None:
    raw = score.read_input(small_raw_dir / RAW_FILES["offers"])
    raw.loc[2, "Price"] = "lots"  # one bad row: named by its position in the whole file
    whole, whole_errors = score.score_records("offers", raw, tables["offers"], explain=True)
    seen = []

    def keep_going(done: int, total: int) -> bool:
        seen.append((done, total))
        return True

    chunked = score.score_in_chunks(
        "offers", raw, tables["offers"], explain=True, chunk_rows=7, keep_going=keep_going
    )
    assert chunked is not None
    scored, errors = chunked
    pd.testing.assert_frame_equal(scored, whole)
    assert errors["record"].tolist() == whole_errors["record"].tolist() == [2]
    good = len(raw) - 1
    assert seen[-1] == (good, good) and len(seen) == -(-good // 7)
    # the session ends after the second chunk: the work stops there
    calls = []
    stopped = score.score_in_chunks(
        "offers",
        raw,
        tables["offers"],
        chunk_rows=7,
        keep_going=lambda done, total: calls.append(done) or len(calls) < 2,
    )
    assert stopped is None and calls == [7, 14]


# --- The churn twin's keys and its strict form -------------------------------------------------


def test_features_from_raw_mirrors_the_sql_rules() -> None:
    raw = bigml_rows(3)
    raw.loc[1, "Churn"] = ""
    raw.loc[2, "International plan"] = " Yes "
    features = churn_raw.features_from_raw(raw)
    keys = list(features["customer_key"])
    assert len(set(keys)) == 3 and all(k.startswith("cust_") and len(k) == 21 for k in keys)
    assert features.loc[1, "churned"] != features.loc[1, "churned"]  # NaN: to score
    assert not features.loc[1, "is_labeled"]
    assert features.loc[2, "has_international_plan"] == 1.0
    row = raw.iloc[0]
    charges = sum(float(row[f"Total {p} charge"]) for p in ("day", "eve", "night", "intl"))
    assert features.loc[0, "total_charge"] == round(charges, 2)
    assert "state" not in features.columns and "day_charge" not in features.columns
    bad = raw.copy()
    bad.loc[0, "Voice mail plan"] = "maybe"
    with pytest.raises(ModelInputError, match=r"row\(s\) \[1\]"):
        churn_raw.features_from_raw(bad)


def test_customer_keys_survive_reordering_and_labels_and_number_exact_twins() -> None:
    raw = bigml_rows(6)
    keys = churn_raw.customer_keys(raw)
    shuffled = raw.iloc[[4, 2, 0, 5, 1, 3]].reset_index(drop=True)
    assert churn_raw.customer_keys(shuffled) == [keys[i] for i in [4, 2, 0, 5, 1, 3]]
    unlabelled = raw.assign(Churn="")
    assert churn_raw.customer_keys(unlabelled) == keys  # a label arriving keeps the key
    twins = pd.concat(
        [raw.iloc[[0]].assign(Churn="False"), raw.iloc[[0]].assign(Churn="True")], ignore_index=True
    )
    twin_keys = churn_raw.customer_keys(twins)
    assert twin_keys[1] == twin_keys[0] + "-2" or twin_keys[0] == twin_keys[1] + "-2"
    assert churn_raw.customer_keys(twins.iloc[::-1].reset_index(drop=True)) == twin_keys[::-1]
    changed = raw.copy()
    changed.loc[0, "Total day minutes"] = "1.0"
    assert churn_raw.customer_keys(changed)[0] != keys[0]

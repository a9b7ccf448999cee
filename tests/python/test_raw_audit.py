"""Bad raw input stops with an error naming the file, the column and the fix."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from revenue_ml.contracts import MARKETING_CAMPAIGN, OFFERS, ONLINE_RETAIL, TELCO_CHURN
from revenue_ml.raw_audit import RawFileError, audit_file, audit_raw_files


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def offers_text(header: list[str] | None = None, sep: str = ",") -> str:
    header = header or list(OFFERS.columns)
    row = [
        "abc12345",
        "Corporate Events",
        "Closed Won",
        "2020-01-01",
        "2020-01-05",
        "300",
        "SAVE10",
        "operations",
        "",
    ]
    return sep.join(header) + "\n" + sep.join(row) + "\n"


def test_valid_file_passes(tmp_path: Path) -> None:
    audit = audit_file(write(tmp_path / "offers.csv", offers_text()), OFFERS)
    assert audit.status == "ok"
    assert audit.column_count == len(OFFERS.columns)
    assert audit.line_ending == "LF"


def test_missing_file_names_file_and_fix(tmp_path: Path) -> None:
    with pytest.raises(RawFileError) as err:
        audit_file(tmp_path / "shimoku" / "offers.csv", OFFERS)
    message = str(err.value)
    assert "offers.csv" in message and "not found" in message
    assert "make data" in message and "raw_dir" in message


def test_renamed_column_is_named_with_its_replacement(tmp_path: Path) -> None:
    header = list(OFFERS.columns)
    header[header.index("Discount code")] = "Discount Code"
    with pytest.raises(RawFileError) as err:
        audit_file(write(tmp_path / "offers.csv", offers_text(header)), OFFERS)
    message = str(err.value)
    assert "'Discount code' is missing" in message
    assert "found 'Discount Code' instead: rename it" in message
    assert "offers.csv" in message


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = [c for c in OFFERS.columns if c != "Pain"]
    text = ",".join(header) + "\n"
    with pytest.raises(RawFileError, match=r"column 'Pain' is missing"):
        audit_file(write(tmp_path / "offers.csv", text), OFFERS)


def test_wrong_separator_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "offers.csv", offers_text(sep=";"))
    with pytest.raises(RawFileError) as err:
        audit_file(path, OFFERS)
    message = str(err.value)
    assert "comma-separated was expected" in message and "semicolon-separated" in message


def test_comma_file_where_tab_expected(tmp_path: Path) -> None:
    text = ",".join(MARKETING_CAMPAIGN.columns) + "\n"
    with pytest.raises(RawFileError, match="tab-separated was expected but it looks comma"):
        audit_file(write(tmp_path / "mc.csv", text), MARKETING_CAMPAIGN)


def test_latin1_file_where_utf8_expected(tmp_path: Path) -> None:
    text = ",".join(TELCO_CHURN.columns) + "\n" + "KS,1,415,No,Yes,0" + ",1" * 13 + ",Caf\u00e9\n"
    with pytest.raises(RawFileError) as err:
        audit_file(write(tmp_path / "churn.csv", text, encoding="latin-1"), TELCO_CHURN)
    message = str(err.value)
    assert "not valid UTF-8" in message and "line 2" in message
    assert "telco_churn_customers_encoding: latin-1" in message


def test_utf8_file_where_latin1_expected(tmp_path: Path) -> None:
    header = ",".join(ONLINE_RETAIL.columns)
    row = "536365,85123A,GIFT VOUCHER \u00a310,1,12/1/2010 8:26,2.55,17850,United Kingdom"
    path = write(tmp_path / "data.csv", f"{header}\n{row}\n", encoding="utf-8", newline="\r\n")
    with pytest.raises(RawFileError) as err:
        audit_file(path, ONLINE_RETAIL)
    message = str(err.value)
    assert "is UTF-8 encoded" in message and "online_retail_transactions_encoding: utf-8" in message
    # ...and the same file is accepted once the encoding is declared.
    assert audit_file(path, ONLINE_RETAIL, encoding="utf-8").encoding == "utf-8"


def test_utf16_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "offers.csv"
    path.write_bytes(offers_text().encode("utf-16"))
    with pytest.raises(RawFileError, match="UTF-16"):
        audit_file(path, OFFERS)


def test_gzip_file_is_read(tmp_path: Path) -> None:
    header = ",".join(ONLINE_RETAIL.columns)
    row = "536365,85123A,GIFT VOUCHER \u00a310,1,12/1/2010 8:26,2.55,17850,United Kingdom"
    plain = write(tmp_path / "data.csv", f"{header}\n{row}\n", encoding="latin-1", newline="\r\n")
    with plain.open("rb") as src, gzip.open(tmp_path / "data.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    audit = audit_file(tmp_path / "data.csv.gz", ONLINE_RETAIL)
    assert audit.line_ending == "CRLF" and audit.encoding == "latin-1"


def test_empty_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RawFileError, match="the file is empty"):
        audit_file(write(tmp_path / "offers.csv", ""), OFFERS)


def test_all_problems_are_listed_together(tmp_path: Path) -> None:
    with pytest.raises(RawFileError) as err:
        audit_raw_files(tmp_path)
    message = str(err.value)
    assert message.startswith("6 raw file problem(s)")
    for name in (
        "offers.csv",
        "leads.csv",
        "data.csv",
        "churn-bigml-80.csv",
        "marketing_campaign.csv",
        "enrollments.csv",
    ):
        assert name in message


def test_unknown_enrollment_source_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RawFileError, match="use 'institute' or 'oulad'"):
        audit_raw_files(tmp_path, enrollments_source="moodle")


def _write_offers(tmp_path: Path, body: str) -> Path:
    from revenue_ml.contracts import OFFERS

    path = tmp_path / "offers.csv"
    path.write_text(",".join(OFFERS.columns) + "\n" + body)
    return path


def test_header_only_file_names_file_and_fix(tmp_path: Path) -> None:
    from revenue_ml.contracts import OFFERS

    path = _write_offers(tmp_path, "\n")
    with pytest.raises(RawFileError, match=r"offers.csv: the file has a header but no data rows"):
        audit_file(path, OFFERS)


def test_truncated_last_line_names_line_and_fix(tmp_path: Path) -> None:
    from revenue_ml.contracts import OFFERS

    good = "abc,Corporate Events,Closed Won,2019-01-01,2019-02-01,360,,operations,\n"
    path = _write_offers(tmp_path, good * 3 + "abd,Corporate Events,Clo")
    with pytest.raises(
        RawFileError,
        match=r"last line \(line 5\) has 3 field\(s\) where the "
        r"header has 9: the file looks truncated",
    ):
        audit_file(path, OFFERS)
    quoted = _write_offers(tmp_path, good + 'abd,"Corporate Ev')
    with pytest.raises(RawFileError, match="unterminated quote"):
        audit_file(quoted, OFFERS)
    audit_file(_write_offers(tmp_path, good * 2), OFFERS)  # complete file passes


def test_missing_file_says_the_configured_raw_dir_and_path(tmp_path: Path) -> None:
    with pytest.raises(RawFileError) as err:
        audit_raw_files(tmp_path / "nowhere", paths={"sales_pipeline.offers": "x/offers.csv"})
    message = str(err.value)
    assert f"`raw_dir` (now '{tmp_path / 'nowhere'}')" in message
    assert "`sales_pipeline_offers_path` (now 'x/offers.csv'" in message

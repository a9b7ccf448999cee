"""The build's audit (revenue_ml.raw_audit.audit_each): a broken file is a row, not a stop."""

from __future__ import annotations

from pathlib import Path

from test_raw_audit import offers_text, write

from revenue_ml.contracts import OFFERS


def row(raw_dir: Path, table: str, path: str) -> dict[str, str]:
    return {
        "source_name": "sales_pipeline",
        "table_name": table,
        "raw_dir": str(raw_dir),
        "relative_path": path,
        "encoding": "",
    }


def test_each_file_gets_its_row_and_a_broken_one_its_message(tmp_path: Path) -> None:
    from revenue_ml.raw_audit import audit_each

    write(tmp_path / "shimoku" / "offers.csv", offers_text())
    header_only = ",".join(OFFERS.columns) + "\n"
    write(tmp_path / "shimoku" / "leads.csv", header_only)  # wrong contract and no rows
    audits = audit_each(
        [
            row(tmp_path, "offers", "shimoku/offers.csv"),
            row(tmp_path, "leads", "shimoku/leads.csv"),
            row(tmp_path, "offers", "shimoku/missing.csv"),
        ]
    )
    good, bad, missing = audits
    assert (good.status, good.message) == ("ok", None)
    assert good.modified_at is not None and good.modified_at.tzinfo is None
    assert bad.status == "failed" and "leads.csv" in bad.message and "Fix" in bad.message
    assert bad.modified_at is not None
    assert missing.status == "failed" and "missing.csv" in missing.message
    assert "not found" in missing.message
    assert (missing.modified_at, missing.size_bytes) == (None, 0)

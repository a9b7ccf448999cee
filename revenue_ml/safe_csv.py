"""CSV output that a spreadsheet cannot execute.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula ("CSV injection", OWASP): a raw ``Use Case``
of ``=HYPERLINK(...)`` would run when a sales manager opens the download. Every CSV the project
writes for people (dashboard downloads, the command-line scorer) goes through
:func:`neutralise_formulas`, which prefixes such text cells with a single quote, as OWASP
recommends. Numbers stay numbers: only text columns are touched.
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``'`` + the text when it starts like a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot start a spreadsheet formula."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_cell, na_action="ignore")
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV of ``frame`` with formulas neutralised (the dashboard's downloads)."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8")


def write_csv(frame: pd.DataFrame, path, **kwargs) -> None:
    """Write ``frame`` as CSV with formulas neutralised (the command-line scorer's output)."""
    neutralise_formulas(frame).to_csv(path, index=False, **kwargs)

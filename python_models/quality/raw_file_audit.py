"""Check every raw file against its contract before staging reads it.

Every base model depends on this one, so a missing file, a wrong encoding or separator, or a
missing column stops the build here with a message naming the file, the column and the fix.
The files are the rows of `raw_files` (macro raw_tables and the path/encoding vars).
"""

import dataclasses

import pandas as pd

from revenue_ml.dbt import frame
from revenue_ml.raw_audit import RawFileError, audit_files


def model(dbt, session):
    dbt.config(materialized="table")
    files = frame(dbt.ref("raw_files")).to_dict("records")
    try:
        audits = audit_files(files)
    except RawFileError as err:
        # The message says what is wrong and how to fix it; the audit's stack adds nothing.
        raise err.with_traceback(None) from None
    return pd.DataFrame([dataclasses.asdict(a) for a in audits])

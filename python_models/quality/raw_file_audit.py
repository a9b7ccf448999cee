"""Check every raw file against its contract before staging reads it.

Every base model depends on this one, so a missing file, a wrong encoding or separator, or a
missing column stops the build here with a message naming the file, the column and the fix.
"""

import dataclasses

import pandas as pd

from revenue_ml.raw_audit import RawFileError, audit_raw_files


def model(dbt, session):
    dbt.config(materialized="table")
    try:
        audits = audit_raw_files(
            raw_dir=dbt.config.get("raw_dir"),
            paths=dbt.config.get("raw_paths"),
            encodings=dbt.config.get("raw_encodings"),
            enrollments_source=dbt.config.get("enrollments_source"),
        )
    except RawFileError as err:
        # The message says what is wrong and how to fix it; the audit's stack adds nothing.
        raise err.with_traceback(None) from None
    return pd.DataFrame([dataclasses.asdict(a) for a in audits])

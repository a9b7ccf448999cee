"""Check every raw file against its contract before staging reads it.

Every base model depends on this one. A file that breaks its contract (missing, wrong encoding
or separator, a missing column, no data rows) gets a row with status `failed` and the message
naming the file, the column and the fix; it does not stop the build: the base models of that
source keep their last good rows (macro raw_source_held), so its domain keeps its marts while
the other domains build as usual, and quality.domain_status says which domain is stale and why.
The files are the rows of `raw_files` (macro raw_tables and the path/encoding vars).
"""

import dataclasses

import pandas as pd

from revenue_ml.dbt import frame
from revenue_ml.raw_audit import audit_each


def model(dbt, session):
    dbt.config(materialized="table")
    files = frame(dbt.ref("raw_files")).to_dict("records")
    audits = audit_each(files)
    out = pd.DataFrame([dataclasses.asdict(a) for a in audits])
    out["message"] = out["message"].astype("string")
    out["modified_at"] = pd.to_datetime(out["modified_at"])
    return out

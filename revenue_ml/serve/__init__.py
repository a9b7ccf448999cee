"""The REST scoring service: the registered champion models over HTTP (FastAPI + uvicorn).

``make serve`` (or ``python -m revenue_ml.serve``) listens on 127.0.0.1:8000 unless told
otherwise (``HOST``/``PORT``; the environment variables below). Endpoints:

- ``GET /health``: whether the models are loaded, from which snapshot or warehouse, when;
- ``GET /models``: every version with an alias (champion, challenger) of the served domains'
  registries: name, version, alias, metrics, trained at, training-data fingerprint, and whether
  the service scores with it;
- ``POST /score/churn``, ``/score/offers``, ``/score/campaign``: a JSON list of records in the
  raw file's own column names; per record the key, the probability, the label at the model's
  threshold, the threshold, the model name and version, and with ``?explain=true`` the
  explanation columns. The records go through :func:`revenue_ml.score.score_records` (the same
  code as the command-line scorer and the dashboard, tested equal to the marts);
- ``POST /reload`` (or the signal SIGHUP): read the models again;
- ``/docs``: the OpenAPI documentation, with an example record per domain.

Bad input is a 422 whose ``detail`` lists, per bad field, ``loc`` = ``["body", <record
index>, <column>]`` and ``msg`` saying what to fix (FastAPI's own error layout); an unknown
domain is a 404, a body above the size limit a 413; the service keeps serving.

The models are read at start-up and on reload, never kept open: from the newest snapshot a
``dbt build`` published (Parquet files; default) or, with a warehouse file, over a read-only
DuckDB connection opened, read and closed at once, so a ``dbt build`` can run meanwhile.

Settings (environment; the command line overrides them):

- ``REVENUE_ML_SERVE_HOST`` (127.0.0.1), ``REVENUE_ML_SERVE_PORT`` (8000);
- ``REVENUE_ML_SERVE_WAREHOUSE``: read this warehouse instead of the snapshot;
- ``REVENUE_ML_DASHBOARD_SNAPSHOT``: the snapshot directory (default target/dashboard_snapshot);
- ``REVENUE_ML_SERVE_MAX_BODY_BYTES`` (10,000,000): the request size limit.
"""

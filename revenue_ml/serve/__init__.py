"""The REST scoring service: the registered champion models over HTTP (FastAPI + uvicorn).

``make serve`` (or ``python -m revenue_ml.serve``) listens on 127.0.0.1:8000 unless told
otherwise (``HOST``/``PORT``; the environment variables below). Endpoints:

- ``GET /health``: whether the models are loaded, from which snapshot or warehouse (by name:
  the snapshot id, the snapshot folder's or the warehouse file's name, never a path), when;
- ``GET /models``: every version with an alias (champion, challenger) of the served domains'
  registries: name, version, alias, metrics, trained at, training-data fingerprint, and whether
  the service scores with it;
- ``POST /score/churn``, ``/score/offers``, ``/score/campaign``: a JSON list of records in the
  raw file's own column names; per record the key, the probability, the label at the model's
  threshold, the threshold, the model name and version, and with ``?explain=true`` the
  explanation columns. The records go through :func:`revenue_ml.score.score_records` (the same
  code as the command-line scorer and the dashboard, tested equal to the marts);
- ``POST /reload`` (or the signal SIGHUP): read the models again. The operator's action: with
  ``REVENUE_ML_SERVE_RELOAD_TOKEN`` set it needs ``Authorization: Bearer <token>`` (401
  otherwise), else it is accepted from this machine only (127.0.0.1, ::1; 403 otherwise);
- ``/docs`` (Swagger UI): the OpenAPI documentation, with an example record per domain; its
  files come from the installed package fastapi-offline (no CDN, no internet). No ``/redoc``
  (ReDoc loads its logo from a CDN).

Every POST must be ``Content-Type: application/json`` (415 otherwise): a web page cannot make
the operator's browser post JSON to another address without the CORS preflight this service
never grants, while ``text/plain`` or form posts need none.

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
- ``REVENUE_ML_SERVE_MAX_BODY_BYTES`` (10,000,000): the request size limit;
- ``REVENUE_ML_SERVE_RELOAD_TOKEN`` (unset): the token POST /reload needs (16 characters or
  more); unset, reloads are accepted from this machine only.

A promotion (``python -m revenue_ml.registry promote``) writes the warehouse and publishes a
snapshot with it, so a reload serves the new champion in either mode.
"""

"""Scheduled runs on Dagster (``make orchestrate``; the ``orchestrate`` extra).

The dbt project becomes Dagster assets (dagster-dbt reads the manifest; ``dbt parse`` writes it
when absent or older than the project's files), built by one job, ``dbt_build``, that three
things start:

- a daily schedule (``REVENUE_ML_SCHEDULE_CRON``, ``REVENUE_ML_SCHEDULE_TIMEZONE``);
- a sensor that starts a build when a raw file of the contracts (``revenue_ml.contracts``,
  under ``REVENUE_ML_RAW_DIR``) changed, once it has settled;
- a person, from the UI.

A failed build is retried with exponential backoff (a warehouse locked by a manual
``make build`` frees up), except when only data tests failed (the same data fails again). The
instance (``config/dagster/dagster.yaml``) runs one build at a time: DuckDB has one writer.

Modules: :mod:`.settings` (the environment, checked), :mod:`.raw_watch` (what the sensor
compares, no Dagster), :mod:`.project` (the Dagster objects, ``build_definitions``),
:mod:`.definitions` (``defs``, the code location ``dagster dev`` loads).
"""

"""The code location ``make orchestrate`` loads.

``dagster dev -m revenue_ml.orchestrate.definitions``: importing it builds the definitions from
the environment's settings (and runs ``dbt parse`` when the manifest is absent or stale); tests
import :mod:`revenue_ml.orchestrate.project` instead.
"""

from revenue_ml.orchestrate.project import build_definitions

defs = build_definitions()

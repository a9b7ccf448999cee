"""revenue_ml: the Python side of the revenue warehouse.

The package holds all Python logic the dbt project uses: the deterministic demo-data generator
(:mod:`revenue_ml.generate`), the raw-file contracts and audit (:mod:`revenue_ml.contracts`,
:mod:`revenue_ml.raw_audit`) and the ML code that dbt Python models call. dbt Python models stay
thin: they read refs, call one function here and return a frame.
"""

__version__ = "0.1.0"

"""Every dbt model and seed the benchmark refers to, by dbt name, in one place.

The benchmark never writes a schema: each name is resolved to its relation through the dbt
manifest (``relation_name``, see :class:`benchmarks.warehouse.Manifest`), so moving a model to
another schema needs no change here, and renaming one is a one-line change.
"""

from __future__ import annotations

# --- e-commerce: transaction lines and customer features --------------------------------------

#: Staged transaction lines (one row per line).
STAGED_TRANSACTIONS = "stg_online_retail__transactions"
#: Every staged line with its exclusion reason (one row per line).
CLASSIFIED_LINES = "int_ecommerce__transaction_lines_classified"
#: The customer features mart the three implementations are compared on.
CUSTOMER_FEATURES = "customer_features"
#: The project's models that turn staged lines into customer features, in build order.
FEATURE_MODELS = [
    "int_ecommerce__surrogate_customers",
    CLASSIFIED_LINES,
    "int_ecommerce__purchase_invoices",
    CUSTOMER_FEATURES,
]
#: Models holding one row per transaction line: no Python model may read them.
TRANSACTION_LEVEL_MODELS = [STAGED_TRANSACTIONS, CLASSIFIED_LINES]
#: Seeds holding the e-commerce cleaning lists.
NON_PRODUCT_STOCK_CODES = "non_product_stock_codes"
EXCLUDED_COUNTRIES = "excluded_countries"
EXCLUDED_CUSTOMERS = "excluded_customers"

# --- builds ------------------------------------------------------------------------------------

#: The staging model whose downstream the selected build rebuilds (``--select <it>+``).
SELECTED_BUILD_ROOT = "stg_telco_churn__customers"

# --- scoring: feature marts, registries and the Python models' outputs -------------------------

#: The settings every build writes (an on-run-start hook), read by the Python models.
BUILD_SETTINGS = ("ml", "build_settings")
MODEL_REGISTRY = "model_registry"

CHURN_FEATURES = "churn_features"
CHURN_REGISTRY = "churn_model_versions"
CHURN_PREDICTIONS = "churn_predictions"

OFFER_FEATURES = "offer_features"
OFFER_REGISTRY = "offer_model_versions"
OFFER_PREDICTIONS = "offer_predictions"

CAMPAIGN_FEATURES = "campaign_features"
CAMPAIGN_REGISTRY = "campaign_model_versions"
CAMPAIGN_PREDICTIONS = "campaign_predictions"
CAMPAIGN_SEGMENTS = "campaign_segments"

ECOMMERCE_REGISTRY = "ecommerce_model_versions"
ECOMMERCE_ASSIGNMENTS = "ecommerce_segment_assignments"

ENROLLMENT_FEATURES = "enrollment_class_features"
ENROLLMENT_REGISTRY = "enrollment_model_versions"
ENROLLMENT_PREDICTIONS = "enrollment_predictions"

# --- monitoring: the prediction log, the track record, the alerts (issue 22) -------------------

#: Every acted-on prediction, one row per model version and data date (incremental).
PREDICTION_LOG = "prediction_log"
#: The models a build runs only to keep the track record and raise alerts.
MONITORING_MODELS = [
    "data_as_of",
    PREDICTION_LOG,
    "prediction_outcomes",
    "model_track_record",
    "alert_log",
    "model_alerts",
    "alert_notifications",
]

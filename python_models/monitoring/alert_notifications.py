"""Post each new alert once to var alert_webhook_url (revenue_ml.alerts)."""

from revenue_ml.alerts import notify
from revenue_ml.dbt import frame


def model(dbt, session):
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    # statements of their own: dbt finds the config keys a Python model reads by its calls
    url = dbt.config.get("alert_webhook_url")
    timeout = dbt.config.get("alert_webhook_timeout_seconds")
    already_sent = []
    if dbt.is_incremental:
        sent = frame(session.sql(f"select alert_key from {dbt.this} where status = 'sent'"))
        already_sent = sent["alert_key"].tolist()
    return notify(
        frame(dbt.ref("model_alerts")),
        already_sent,
        url=url or "",
        timeout=float(timeout or 5),
    )

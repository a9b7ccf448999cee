"""Post new alerts to a webhook, once each (ml.alert_notifications, docs/operations.md "Alerts").

An alert (a row of ml.model_alerts still firing) is posted as one JSON object to the URL of var
``alert_webhook_url``. A post that succeeds is recorded as ``sent`` and never repeated while the
alert keeps firing; one that fails (no answer within the timeout, an HTTP error, a bad URL) is
recorded as ``failed: <why>``, reported by a warning test, and tried again at the next build. A
failure never fails the build: the alert is on the dashboard either way.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime

import pandas as pd

#: The columns of ml.alert_notifications.
COLUMNS = {
    "alert_key": "string",
    "rule_id": "string",
    "severity": "string",
    "notified_at": "datetime64[us]",
    "status": "string",
    "http_status": "Int64",
    "url_host": "string",
}
#: Largest response body read back (the answer is not used, only its status).
MAX_RESPONSE_BYTES = 64 * 1024
#: The alert fields posted.
PAYLOAD_FIELDS = (
    "alert_key",
    "rule_id",
    "severity",
    "message",
    "model_name",
    "model_version",
    "domain",
    "subject",
    "period",
    "observation",
    "observed_value",
    "limit_value",
    "observed_count",
    "first_seen_at",
)


def payload(alert: Mapping[str, object]) -> dict[str, object]:
    """The JSON object posted for one alert (plain JSON types; dates as ISO text)."""

    def plain(value: object) -> object:
        if value is None or (isinstance(value, float) and value != value):
            return None
        if value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp) and value == value.normalize():
            return value.date().isoformat()  # a date read back as a timestamp
        if isinstance(value, datetime | date | pd.Timestamp):
            return value.isoformat()
        if hasattr(value, "item"):
            return value.item()
        return value

    body = {field: plain(alert.get(field)) for field in PAYLOAD_FIELDS}
    body["source"] = "revenue_ml"
    return body


def post_json(url: str, body: Mapping[str, object], timeout: float) -> int:
    """POST ``body`` as JSON; the HTTP status (raises on a network error or an HTTP error)."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("alert_webhook_url must start with http:// or https://")
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "revenue_ml-alerts"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
        response.read(MAX_RESPONSE_BYTES)
        return int(response.status)


def host_of(url: str) -> str:
    """The URL's host, recorded instead of the URL (which may carry a token)."""
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


def notify(
    alerts: pd.DataFrame,
    already_sent: Iterable[str],
    url: str,
    timeout: float,
    post: Callable[[str, Mapping[str, object], float], int] = post_json,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Post every alert still firing and not yet sent; one row per attempt (COLUMNS).

    Nothing is posted without a URL. Alerts are posted in a stable order (first seen, key)."""
    sent = set(already_sent)
    now = (now or datetime.now(UTC)).replace(tzinfo=None)
    rows: list[dict[str, object]] = []
    url = (url or "").strip()
    if url and not alerts.empty:
        due = alerts[alerts["still_firing"].astype(bool) & ~alerts["alert_key"].isin(sent)]
        due = due.sort_values(["first_seen_at", "alert_key"], kind="mergesort")
        for alert in due.to_dict("records"):
            status, code = "sent", None
            try:
                code = post(url, payload(alert), timeout)
            except urllib.error.HTTPError as err:
                status, code = f"failed: HTTP {err.code} {err.reason}", err.code
            except (OSError, ValueError) as err:
                status = f"failed: {err}"
            rows.append(
                {
                    "alert_key": alert["alert_key"],
                    "rule_id": alert["rule_id"],
                    "severity": alert["severity"],
                    "notified_at": now,
                    "status": status[:300],
                    "http_status": code,
                    "url_host": host_of(url),
                }
            )
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.astype(COLUMNS)

"""revenue_ml.alerts: each alert still firing is posted once; a failed post is tried again."""

from __future__ import annotations

import urllib.error
from datetime import datetime

import pandas as pd

from revenue_ml.alerts import COLUMNS, notify, payload


def alerts(*keys: str, firing: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "alert_key": list(keys),
            "rule_id": ["realised_auc_far_below_expected"] * len(keys),
            "severity": ["warning"] * len(keys),
            "message": ["m"] * len(keys),
            "period": [pd.Timestamp("2019-08-31")] * len(keys),
            "first_seen_at": [pd.Timestamp("2026-01-02 03:04:05")] * len(keys),
            "still_firing": [firing] * len(keys),
            "observed_value": [0.1] * len(keys),
        }
    )


def test_new_alerts_are_posted_once_and_failures_again() -> None:
    posted: list[dict] = []

    def post(url, body, timeout):
        if body["alert_key"] == "b":
            raise urllib.error.URLError("connection refused")
        posted.append(body)
        return 204

    now = datetime(2026, 1, 2)
    first = notify(alerts("a", "b"), [], "https://hooks.example/x?token=s", 2, post, now)
    assert list(first["status"]) == ["sent", "failed: <urlopen error connection refused>"]
    assert set(first["url_host"]) == {"hooks.example"}  # never the token
    assert [p["alert_key"] for p in posted] == ["a"]
    assert posted[0]["period"] == "2019-08-31"
    assert posted[0]["first_seen_at"] == "2026-01-02T03:04:05"
    # the next build: a is not posted again, b is tried again
    second = notify(alerts("a", "b"), ["a"], "https://hooks.example/x", 2, post, now)
    assert list(second["alert_key"]) == ["b"]
    assert dict(first.dtypes.astype(str)) == {
        k: str(pd.Series(dtype=v).dtype) for k, v in COLUMNS.items()
    }


def test_nothing_is_posted_without_a_url_or_for_alerts_no_longer_firing() -> None:
    def post(url, body, timeout):
        raise AssertionError("posted")

    assert notify(alerts("a"), [], "", 2, post).empty
    assert notify(alerts("a", firing=False), [], "https://h/x", 2, post).empty


def test_a_url_that_is_not_http_is_a_failure_not_a_crash() -> None:
    out = notify(alerts("a"), [], "file:///etc/passwd", 2)
    assert out["status"][0].startswith("failed: alert_webhook_url must start with http")


def test_payload_is_plain_json() -> None:
    body = payload(alerts("a").iloc[0].to_dict())
    assert body["source"] == "revenue_ml" and body["observed_value"] == 0.1
    assert body["model_name"] is None

"""The REST scoring service as a real uvicorn process on a free port, on the snapshot of the
session's small build: health, models, each domain's scores equal to the registered model's
on the marts' features (and to the marts where they score with the model), explanations,
422 / 404 / 413, reload by endpoint and by SIGHUP, the OpenAPI docs."""

from __future__ import annotations

import http.client
import json
import signal
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DbtResult

from revenue_ml import score
from revenue_ml.ml import lifecycle
from revenue_ml.serve.process import Service, request, running_service

pytestmark = pytest.mark.e2e

#: The service's request size limit in these tests (the domains' whole files fit in it).
MAX_BODY = 1_000_000
RAW_FILES = {
    "churn": Path("telco_churn/churn-bigml-80.csv"),
    "offers": Path("shimoku/offers.csv"),
    "campaign": Path("marketing_campaign/marketing_campaign.csv"),
}
SCORES = {
    "churn": "churn.churn_scores",
    "offers": "sales.offer_scores",
    "campaign": "campaign.campaign_scores",
}
FEATURES = {
    "churn": "churn.churn_features",
    "offers": "sales.offer_features",
    "campaign": "campaign.campaign_features",
}


def snapshot_of(build: DbtResult) -> Path:
    return build.target_path / "dashboard_snapshot" / build.duckdb_path.stem


@pytest.fixture(scope="module")
def service(small_warehouse: DbtResult, tmp_path_factory: pytest.TempPathFactory) -> Service:
    log = tmp_path_factory.mktemp("serve") / "service.log"
    args = ["--snapshot", str(snapshot_of(small_warehouse)), "--max-body-bytes", str(MAX_BODY)]
    with running_service(args, log) as running:
        yield running


def records(raw_dir: Path, domain: str) -> list[dict]:
    """The domain's whole raw file as JSON records (the raw columns, values as text)."""
    return score.read_input(raw_dir / RAW_FILES[domain]).to_dict("records")


def mart(build: DbtResult, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(build.duckdb_path), read_only=True) as con:
        return con.execute(sql).df()


def test_health_and_models(service: Service, small_warehouse: DbtResult) -> None:
    status, body = service.get("/health")
    assert status == 200 and body["status"] == "ok", body
    assert set(body["domains"]) == {"churn", "offers", "campaign"}
    assert all(d["loaded"] for d in body["domains"].values())
    assert body["snapshot_id"] and "snapshot" in body["source"]
    status, body = service.get("/models")
    assert status == 200
    served = {(m["model_name"], m["model_version"]) for m in body["models"] if m["serving"]}
    assert {name for name, _ in served} == {
        "churn_lightgbm",
        "offer_close_at_close",
        "offer_close_at_open",
        "campaign_response",
    }
    registry = mart(
        small_warehouse, "select model_name, model_version, alias from ml.model_registry"
    )
    champions = set(map(tuple, registry[registry["alias"] == "champion"].iloc[:, :2].values))
    assert served <= champions
    for model in body["models"]:
        assert model["alias"] in ("champion", "challenger")
        assert len(model["training_fingerprint"]) == 64 and model["trained_at"]
        assert model["primary_metric"] in model["metrics"] or model["metrics"]


@pytest.mark.parametrize("domain", ["churn", "offers", "campaign"])
def test_each_domain_scores_like_the_registered_model_on_the_marts(
    service: Service, small_warehouse: DbtResult, small_raw_dir: Path, domain: str
) -> None:
    status, body = service.post(f"/score/{domain}", records(small_raw_dir, domain))
    assert status == 200, body
    key = score.DOMAINS[domain].key
    api = pd.DataFrame(body["scores"])
    assert list(api["record"]) == sorted(api["record"])
    features = mart(small_warehouse, f"select * from {FEATURES[domain]}")
    marts = mart(small_warehouse, f"select * from {SCORES[domain]}")
    registry = mart(small_warehouse, f"select * from {score.DOMAINS[domain].registry}")
    # every row the build scored is scored by the API with the same model
    joined = marts.merge(api, on=key, suffixes=("_mart", "_api"), validate="one_to_one")
    assert len(joined) == len(marts)
    assert (joined["model_name_mart"] == joined["model_name_api"]).all()
    assert (joined["model_version_mart"] == joined["model_version_api"]).all()
    # the model's own probability on the marts' features (the marts show training rows'
    # out-of-sample probabilities instead; rows the model never saw are scored alike)
    expected = []
    for route in score.DOMAINS[domain].routes:
        rows = features[features[key].isin(api.loc[api["model_name"] == route.model_name, key])]
        record = lifecycle.champion(registry, route.model_name)
        expected.append(lifecycle.score(rows, record, route.spec, explain=False))
    expected = pd.concat(expected)[[key, "probability", "predicted_label"]]
    check = api.merge(expected, on=key, suffixes=("", "_model"), validate="one_to_one")
    assert len(check) == len(marts)
    assert np.abs(check["probability"] - check["probability_model"]).max() <= 1e-9
    assert (check["predicted_label"] == check["predicted_label_model"]).all()
    scored_by_model = joined[joined["score_source"] == "model"]
    gap = (scored_by_model["probability_mart"] - scored_by_model["probability_api"]).abs()
    assert (gap <= 1e-9).all()
    if domain == "offers":
        assert len(scored_by_model) > 0  # the open offers


def test_explain_returns_the_reasons(service: Service, small_raw_dir: Path) -> None:
    batch = records(small_raw_dir, "churn")[:3]
    status, body = service.post("/score/churn?explain=true", batch)
    assert status == 200, body
    for row in body["scores"]:
        assert row["top_feature"] and isinstance(row["top_feature_contribution"], float)
        assert row["reasons"]
    status, body = service.post("/score/churn", batch)
    assert "reasons" not in body["scores"][0]


def test_bad_input_is_a_422_naming_the_record_the_field_and_the_fix(
    service: Service, small_raw_dir: Path
) -> None:
    batch = records(small_raw_dir, "churn")[:4]
    batch[2]["Total day minutes"] = "lots"
    del batch[3]["State"]
    status, body = service.post("/score/churn", batch)
    assert status == 422
    problems = {tuple(e["loc"]): e for e in body["detail"]}
    assert set(problems) == {("body", 2, "Total day minutes"), ("body", 3, "State")}
    assert (
        "'lots', not a number; give one such as 180.5"
        in (problems[("body", 2, "Total day minutes")]["msg"])
    )
    assert "State is missing or empty; give" in problems[("body", 3, "State")]["msg"]
    assert body["records"] == 4 and body["records_with_errors"] == 2
    offers = records(small_raw_dir, "offers")[:2]
    offers[1]["Status"] = "Won maybe"
    status, body = service.post("/score/offers", offers)
    assert status == 422 and body["detail"][0]["loc"] == ["body", 1, "Status"]
    assert "not a known status" in body["detail"][0]["msg"]
    for bad in (b"{not json", b'{"State": "KS"}', b"[1, 2]"):
        status, body = service.post("/score/campaign", bad)
        assert status == 422 and body["detail"][0]["loc"][0] == "body", body
    # still serving
    status, body = service.post("/score/churn", records(small_raw_dir, "churn")[:1])
    assert status == 200 and len(body["scores"]) == 1


def post_raw(service: Service, path: str, body: bytes, chunked: bool = False) -> int:
    """The status of a POST whose body the server may refuse before reading it all."""
    host, port = service.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        try:
            conn.request(
                "POST",
                path,
                body=iter([body[i : i + 65536] for i in range(0, len(body), 65536)])
                if chunked
                else body,
                headers={"Content-Type": "application/json"},
                encode_chunked=chunked,
            )
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) and closed before the whole body was sent
        return conn.getresponse().status
    finally:
        conn.close()


def test_unknown_domain_is_a_404_and_a_large_body_a_413(service: Service) -> None:
    status, body = service.post("/score/enrollment", [])
    assert status == 404 and "churn, offers, campaign" in body["detail"]
    padding = json.dumps([{"State": "KS", "pad": "x" * 1000}] * (MAX_BODY // 1000 + 10))
    assert post_raw(service, "/score/churn", padding.encode()) == 413
    assert post_raw(service, "/score/churn", padding.encode(), chunked=True) == 413
    assert service.get("/health")[0] == 200  # still serving


def test_openapi_documents_each_domain(service: Service) -> None:
    status, spec = service.get("/openapi.json")
    assert status == 200
    for domain in score.DOMAINS.values():
        operation = spec["paths"][f"/score/{domain.name}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]
        assert body["example"] == [domain.example]
        assert set(domain.required) <= set(body["schema"]["items"]["properties"])
    status, page = request(service.url + "/docs")  # HTML: the helper returns it as text
    assert status == 200 and "swagger" in page.get("text", "").lower()


def test_reload_by_endpoint_and_by_signal(service: Service) -> None:
    _, before = service.get("/health")
    time.sleep(1.1)  # loaded_at has a one-second resolution
    status, body = service.post("/reload", b"")
    assert status == 200 and body["loaded_at"] > before["loaded_at"]
    time.sleep(1.1)
    service.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while service.get("/health")[1]["loaded_at"] == body["loaded_at"]:
        assert time.monotonic() < deadline, "SIGHUP did not reload"
        time.sleep(0.2)
    assert service.get("/health")[1]["status"] == "ok"

"""The REST scoring service as a real uvicorn process on a free port, on the snapshot of the
session's small build: health, models, each domain's scores equal to the registered model's
on the marts' features (and to the marts where they score with the model), explanations,
422 / 404 / 413 / 415, reload by endpoint (the operator's: a token, or this machine only) and
by SIGHUP, names instead of the server's paths, a campaign batch with a repeated ID, the
OpenAPI docs in a real browser without any other host, and a promotion (a rollback) served
after a reload whether the service reads the snapshot or the warehouse."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DbtResult, run_dbt

from revenue_ml import score
from revenue_ml.ml import lifecycle, scoring
from revenue_ml.serve.process import Service, request, running_service
from revenue_ml.snapshot import latest_snapshot

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
    # each route's serving version: the model, or its baseline when it does not beat it
    routes = {
        "churn_lightgbm": "churn_random_forest",
        "offer_close_at_close": "offer_close_at_close_baseline",
        "offer_close_by_age": "offer_close_by_age_baseline",
        "campaign_response": "campaign_response_baseline",
    }
    names = {name for name, _ in served}
    assert len(names) == len(routes), names
    for model, baseline in routes.items():
        assert len(names & {model, baseline}) == 1, (model, names)
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
        record, _ = lifecycle.serving(registry, route.model_name)
        rows = features[features[key].isin(api.loc[api["model_name"] == record["model_name"], key])]
        # route.inputs: an open offer aged at its version's as-of date, the marts' as-of date
        expected.append(
            scoring.score(route.inputs(rows, record), record, route.spec, explain=False)
        )
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


def test_the_answer_never_echoes_personal_fields(service: Service, small_raw_dir: Path) -> None:
    """A campaign record carries income, birth year, education, marital status and children;
    the answer (explained too) holds the key, the score, the model and the reasons, in which a
    personal factor is named without its value (docs/governance.md)."""
    batch = records(small_raw_dir, "campaign")
    status, body = service.post("/score/campaign?explain=true", batch)
    assert status == 200, body
    personal = {"Year_Birth", "Education", "Marital_Status", "Income", "Kidhome", "Teenhome"}
    assert personal <= set(batch[0])
    for row in body["scores"]:
        assert not personal & set(row), row
    reasons = " ".join(row["reasons"] for row in body["scores"])
    assert "(personal data)" in reasons
    for record in batch:
        for field in ("Education", "Marital_Status"):
            assert f": {record[field]}" not in reasons
    incomes = {str(r["Income"]).split(".")[0] for r in batch if str(r["Income"]).strip()}
    for income in incomes:
        if len(income) >= 5:  # shorter figures can be a count of days
            assert f"{int(income):,}" not in reasons


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


def call(
    service: Service, method: str, path: str, body: bytes | None = None, headers=None
) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of a request with exactly these headers (http.client
    adds none but Host, Content-Length and Accept-Encoding)."""
    url = urlsplit(service.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"text": raw.decode("utf-8", "replace")}
        return response.status, parsed, dict(response.getheaders())
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


def loaded_at(service: Service) -> str:
    return service.get("/health")[1]["loaded_at"]


def test_posts_must_be_json(service: Service, small_raw_dir: Path) -> None:
    """A web page can make a browser post text/plain, a form or an untyped body anywhere
    without asking: every such POST is a 415 saying what to send, before anything runs."""
    batch = json.dumps(records(small_raw_dir, "churn")[:2]).encode()
    before = loaded_at(service)
    time.sleep(1.1)  # loaded_at has a one-second resolution
    for headers in (
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {},  # fetch() with a Blob body sends no type at all
    ):
        for path in ("/score/churn", "/reload"):
            status, body, _ = call(service, "POST", path, batch, headers)
            assert status == 415, (path, headers, body)
            assert "'Content-Type: application/json'" in body["detail"]
    assert (
        "(got 'text/plain')"
        in call(service, "POST", "/reload", b"", {"Content-Type": "text/plain"})[1]["detail"]
    )
    assert loaded_at(service) == before  # no reload happened
    typed = {"Content-Type": "Application/JSON; charset=utf-8"}
    status, body, _ = call(service, "POST", "/score/churn", batch, typed)
    assert status == 200 and len(body["scores"]) == 2
    spec = service.get("/openapi.json")[1]
    assert "415" in spec["paths"]["/score/churn"]["post"]["responses"]
    assert "415" in spec["paths"]["/reload"]["post"]["responses"]


def test_reload_from_elsewhere_is_refused_without_a_token(service: Service) -> None:
    """No token set: POST /reload from this machine only. A proxy on this machine passes the
    real client in X-Forwarded-For (uvicorn believes it from 127.0.0.1 only)."""
    before = loaded_at(service)
    time.sleep(1.1)
    json_type = {"Content-Type": "application/json"}
    status, body, _ = call(
        service, "POST", "/reload", b"{}", {**json_type, "X-Forwarded-For": "203.0.113.7"}
    )
    assert status == 403, body
    assert "from this machine only" in body["detail"] and "203.0.113.7" in body["detail"]
    assert "REVENUE_ML_SERVE_RELOAD_TOKEN" in body["detail"]
    assert loaded_at(service) == before
    status, body, _ = call(service, "POST", "/reload", b"{}", json_type)
    assert status == 200 and body["loaded_at"] > before


def test_reload_with_a_token_set_needs_it(small_warehouse: DbtResult, tmp_path: Path) -> None:
    token = "k3Jq-8v2LxW0pZr7TqYb"
    args = ["--snapshot", str(snapshot_of(small_warehouse))]
    env = {"REVENUE_ML_SERVE_RELOAD_TOKEN": token}
    with running_service(args, tmp_path / "token.log", env=env) as running:
        before = loaded_at(running)
        time.sleep(1.1)
        json_type = {"Content-Type": "application/json"}
        for auth in (
            {},
            {"Authorization": "Bearer wrong-token-wrong-token"},
            {"Authorization": token},
        ):
            status, body, headers = call(running, "POST", "/reload", b"{}", {**json_type, **auth})
            assert status == 401, (auth, body)
            assert headers.get("www-authenticate") == "Bearer"
            assert "'Authorization: Bearer <token>'" in body["detail"]
        assert loaded_at(running) == before
        status, body, _ = call(
            running, "POST", "/reload", b"{}", {**json_type, "Authorization": f"Bearer {token}"}
        )
        assert status == 200 and body["loaded_at"] > before
        # SIGHUP needs no token (the operator owns the process)
        time.sleep(1.1)
        running.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while loaded_at(running) == body["loaded_at"]:
            assert time.monotonic() < deadline, "SIGHUP did not reload"
            time.sleep(0.2)
        spec = running.get("/openapi.json")[1]
        assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    # a guessable token is refused at start-up, with the way out
    short = subprocess.run(
        [sys.executable, "-m", "revenue_ml.serve", *args],
        env={**os.environ, "REVENUE_ML_SERVE_RELOAD_TOKEN": "secret"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert short.returncode == 2
    assert "REVENUE_ML_SERVE_RELOAD_TOKEN is 6 characters long; use at least 16" in short.stderr


def test_answers_name_the_source_never_a_path(
    service: Service, small_warehouse: DbtResult, tmp_path: Path
) -> None:
    root = snapshot_of(small_warehouse)
    status, health = service.get("/health")
    assert health["source"] == f"snapshot folder {root.name}"
    for path in ("/health", "/models", "/openapi.json"):
        text = call(service, "GET", path)[1]
        assert str(small_warehouse.target_path) not in json.dumps(text), path
        assert "/tmp" not in json.dumps(text) and os.sep + "pytest" not in json.dumps(text), path
    # the failures name the file, not where it is: a missing warehouse, an empty snapshot folder
    hidden = tmp_path / "private" / "place"
    hidden.mkdir(parents=True)
    with running_service(["--warehouse", str(hidden / "gone.duckdb")], tmp_path / "w.log") as bad:
        status, body = bad.get("/health")
        assert status == 503 and "warehouse gone.duckdb not found" in body["last_reload_error"]
        status, body, _ = call(bad, "POST", "/reload", b"{}", {"Content-Type": "application/json"})
        assert status == 503 and "gone.duckdb" in body["reload_error"], body
        for text in (json.dumps(body), json.dumps(bad.get("/openapi.json")[1])):
            assert str(hidden) not in text and "private" not in text
        assert (
            "Models: warehouse gone.duckdb." in bad.get("/openapi.json")[1]["info"]["description"]
        )
    with running_service(["--snapshot", str(hidden)], tmp_path / "s.log") as empty:
        status, body = empty.get("/health")
        assert status == 503, body
        reasons = {d["reason"] for d in body["domains"].values()}
        assert reasons == {
            "no published snapshot in the snapshot folder place; run dbt build first"
        }
        assert "private" not in json.dumps(body)


def test_a_campaign_batch_scores_every_record_even_a_repeated_id(
    service: Service, small_raw_dir: Path
) -> None:
    """Staging's duplicate-key rule is a file-level rule: a batch with one ID twice (e.g. a
    customer before and after a change) gets a score per record, as each alone would."""
    batch = records(small_raw_dir, "campaign")[:4]
    batch[3] = {**batch[3], "ID": batch[1]["ID"]}
    status, body = service.post("/score/campaign", batch)
    assert status == 200, body
    scores = body["scores"]
    assert [s["record"] for s in scores] == [0, 1, 2, 3]
    assert scores[1]["customer_id"] == scores[3]["customer_id"] == int(batch[1]["ID"])
    for i in (1, 3):
        alone = service.post("/score/campaign", [batch[i]])[1]["scores"][0]
        assert alone["probability"] == scores[i]["probability"]
    assert scores[1]["probability"] != scores[3]["probability"]


def test_docs_render_without_any_other_host(service: Service) -> None:
    """/docs (Swagger UI) in a real headless Chromium: the operations are drawn, one opens,
    and every request the page makes goes to the service itself (no CDN, no validator)."""
    from dashboard import testing

    stack = contextlib.ExitStack()
    try:
        chromium = stack.enter_context(testing.browser())
    except testing.ChromiumUnavailable as exc:
        pytest.fail(f"Chromium cannot run, so the docs page cannot be tested: {exc}")
    requested: list[str] = []
    failed: list[str] = []
    with stack:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: requested.append(r.url))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(service.url + "/docs", wait_until="networkidle")
        for domain in score.DOMAINS:
            page.locator(f"#operations-{domain}-score_domain_score_{domain}_post").wait_for(
                timeout=30_000
            )
        assert page.locator(".opblock").count() >= len(score.DOMAINS) + 1  # + reload
        page.locator(".opblock-summary-path", has_text="/score/churn").first.click()
        example = page.locator(".opblock-body .body-param__example, .opblock-body .microlight")
        example.first.wait_for(timeout=10_000)
        assert "Account length" in example.first.inner_text()
        page.screenshot(path=str(service.log.parent / "docs.png"), full_page=True)
    origin = urlsplit(service.url).netloc
    # data: and blob: URLs are the page's own bytes, not a request out
    elsewhere = [
        u
        for u in requested
        if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != origin
    ]
    assert requested and not elsewhere, elsewhere
    assert any(u.endswith("/docs-assets/swagger-ui-bundle.js") for u in requested)
    assert call(service, "GET", "/redoc")[0] == 404  # ReDoc would load its logo from a CDN
    assert not failed, failed


# --- A promotion reaches the service on reload (snapshot and warehouse) -----------------------

#: churn retrained once more on the same data, with one search candidate (quick; another
#: model) and a margin that makes it the champion: v2 serves, v1 is the version to roll back to
RETRAIN = [
    "build",
    "-s",
    "churn_model_versions",
    "churn_predictions",
    "churn_scores",
    "model_registry",
    "model_evaluation",
    "model_metrics",
]
#: The baseline margin of -1: the retrained LightGBM scores whatever the random forest does
#: (this is about champions and promotions)
RETRAIN_VARS = (
    "{retrain_policy: always, churn_search_max_candidates: 1, champion_margin: 1, "
    "churn_baseline_margin: -1}"
)


@pytest.fixture(scope="module")
def two_churn_versions(
    small_warehouse: DbtResult, small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> DbtResult:
    """A copy of the session's warehouse (and its snapshot) where a retrain made churn v2 the
    champion; the build published a new snapshot."""
    work = tmp_path_factory.mktemp("serve_promotion")
    db = work / "warehouse.duckdb"
    shutil.copyfile(small_warehouse.duckdb_path, db)
    shutil.copytree(
        small_warehouse.target_path / "dashboard_snapshot", work / "target" / "dashboard_snapshot"
    )
    build = run_dbt(
        RETRAIN, raw_dir=small_raw_dir, work_dir=work, duckdb_path=db, vars_yaml=RETRAIN_VARS
    ).check()
    aliases = mart(
        build,
        "select model_version, alias from ml.model_registry "
        "where model_name = 'churn_lightgbm' order by 1",
    )
    assert aliases.values.tolist() == [[1, None], [2, "champion"]]
    return build


def churn_version(service: Service, batch: list[dict]) -> set[int]:
    status, body = service.post("/score/churn", batch)
    assert status == 200, body
    return {s["model_version"] for s in body["scores"]}


def test_a_rollback_is_served_after_a_reload_from_the_snapshot_and_the_warehouse(
    two_churn_versions: DbtResult, small_raw_dir: Path, tmp_path: Path
) -> None:
    """As the README runs it: `make serve` (the snapshot of $REVENUE_ML_DUCKDB's builds) and
    `--warehouse`, then `python -m revenue_ml.registry promote churn_lightgbm 1 --reason
    rollback` with the same environment, then POST /reload: both serve v1. The dashboard's
    reading of the snapshot shows the rollback too."""
    from dashboard import data

    build = two_churn_versions
    root = snapshot_of(build)
    env = {"REVENUE_ML_DUCKDB": str(build.duckdb_path), "REVENUE_ML_DASHBOARD_SNAPSHOT": str(root)}
    batch = records(small_raw_dir, "churn")[:5]
    before = data.latest_snapshot(root)
    with (
        running_service([], tmp_path / "snapshot.log", env=env) as from_snapshot,
        running_service(
            ["--warehouse", str(build.duckdb_path)], tmp_path / "warehouse.log"
        ) as from_warehouse,
    ):
        for service in (from_snapshot, from_warehouse):
            assert churn_version(service, batch) == {2}
        # the warehouse is free: each service read it (or the snapshot) and let go
        promoted = subprocess.run(
            [
                sys.executable,
                "-m",
                "revenue_ml.registry",
                "promote",
                "churn_lightgbm",
                "1",
                "--reason",
                "rollback: v2 misbehaves",
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert promoted.returncode == 0, promoted.stderr
        assert "churn_lightgbm v1 is now the champion (was v2)" in promoted.stdout
        for service in (from_snapshot, from_warehouse):
            assert churn_version(service, batch) == {2}  # until the reload
            status, body, _ = call(
                service, "POST", "/reload", b"{}", {"Content-Type": "application/json"}
            )
            assert status == 200 and body["domains"]["churn"]["models"] == {"churn_lightgbm": 1}
            assert churn_version(service, batch) == {1}
            models = service.get("/models")[1]["models"]
            serving = {(m["model_name"], m["model_version"]) for m in models if m["serving"]}
            assert ("churn_lightgbm", 1) in serving and ("churn_lightgbm", 2) not in serving
        after = data.latest_snapshot(root)
        assert after.snapshot_id != before.snapshot_id
        assert f"Snapshot: snapshot {after.snapshot_id} published under {root}" in promoted.stdout
        assert from_snapshot.get("/health")[1]["snapshot_id"] == after.snapshot_id
    # the new snapshot: the build's, with the promotion's tables from the warehouse
    snap = data.Snapshot.open(after)
    registry = data.registry(snap)
    churn = registry[registry["model_name"] == "churn_lightgbm"].set_index("model_version")
    assert churn["alias"].tolist() == ["champion", "challenger"]
    assert churn.loc[1, "is_champion"] and pd.notna(churn.loc[1, "promoted_at"])
    promotions = data.promotions(snap)
    assert promotions.iloc[0][["model_name", "model_version", "reason"]].tolist() == [
        "churn_lightgbm",
        1,
        "rollback: v2 misbehaves",
    ]
    assert set(after.tables) == set(before.tables) and after.dataset == before.dataset
    metrics = snap.df(
        "select distinct model_version from ml.model_metrics "
        "where model_name = 'churn_lightgbm' and is_champion"
    )
    assert metrics["model_version"].tolist() == [1]
    # the warehouse's marts say the same (the next build computes them alike)
    wh = mart(
        build,
        "select model_version, alias, is_champion from ml.model_registry "
        "where model_name = 'churn_lightgbm' order by 1",
    )
    assert wh["alias"].tolist() == ["champion", "challenger"] and wh["is_champion"].tolist() == [
        True,
        False,
    ]
    # unchanged tables are the build's own files (linked, not rewritten)
    assert (after.path / "churn.churn_scores.parquet").stat().st_ino == (
        before.path / "churn.churn_scores.parquet"
    ).stat().st_ino


def test_a_promotion_leaves_another_warehouses_snapshot_alone(
    two_churn_versions: DbtResult, small_warehouse: DbtResult, tmp_path: Path
) -> None:
    """The snapshot folder a promotion would update holds another warehouse's snapshot (its
    registry has a version this warehouse lacks): it is left as it is, and the message says
    how to name the right folder; the promotion itself holds."""
    from revenue_ml import registry as registry_cli

    other = tmp_path / "other"
    shutil.copytree(snapshot_of(small_warehouse), other)
    newest = latest_snapshot(other)
    registry_file = newest.path / "ml.churn_model_versions.parquet"
    foreign = pd.read_parquet(registry_file)
    foreign["training_fingerprint"] = "f" * 64  # trained on other data
    foreign.to_parquet(registry_file)
    db = two_churn_versions.duckdb_path
    champion = mart(
        two_churn_versions,
        "select model_version from ml.model_registry "
        "where model_name = 'churn_lightgbm' and alias = 'champion'",
    )["model_version"].item()
    other_version = 1 if champion == 2 else 2
    done = registry_cli.promote(db, "churn_lightgbm", other_version, "test", snapshot=other)
    assert done.changed and "not updated: its ml.churn_model_versions holds versions" in (
        done.snapshot
    )
    assert "--snapshot DIR" in done.snapshot
    assert latest_snapshot(other).snapshot_id == newest.snapshot_id
    assert sorted(p.name for p in other.iterdir()) == sorted(
        p.name for p in snapshot_of(small_warehouse).iterdir()
    )
    now = mart(
        two_churn_versions,
        "select model_version from ml.model_registry "
        "where model_name = 'churn_lightgbm' and alias = 'champion'",
    )["model_version"].item()
    assert now == other_version

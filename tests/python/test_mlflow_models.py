"""The MLflow models a build logs (revenue_ml.ml.pyfunc), end to end on a copy of the session's
small warehouse: a retrain of the churn, offers and campaign models logged to a real MLflow
store; each new version is a pyfunc model from code (no pickle) that
``mlflow.pyfunc.load_model("models:/<name>@champion")`` loads and that scores raw records bit
for bit as the REST scorer (revenue_ml.score.score_records) does on the same warehouse; the
logged serving example validates; ``mlflow models serve`` answers over a socket; a version whose
MLflow model cannot be written is still logged, as text."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pandas as pd
import pytest
from conftest import DbtResult, mlflow_store, query_frame, run_dbt

from revenue_ml import raw_features, score
from revenue_ml.ml import pyfunc, runtime, tracking
from revenue_ml.serve.process import free_port, request
from revenue_ml.settings import RegistrySettings

pytestmark = pytest.mark.e2e

REGISTRIES = ["churn_model_versions", "offer_model_versions", "campaign_model_versions"]
RAW_FILES = {
    "churn": Path("telco_churn/churn-bigml-80.csv"),
    "offers": Path("shimoku/offers.csv"),
    "campaign": Path("marketing_campaign/marketing_campaign.csv"),
}
#: Every model that scores raw records: (domain, model name).
SERVED = [(d.name, r.model_name) for d in score.DOMAINS.values() for r in d.routes]
COMPARED = [*score.SCORE_COLUMNS, *score.EXPLANATION_COLUMNS]
PICKLE_SUFFIXES = (".pkl", ".pickle", ".cloudpickle", ".joblib")


@pytest.fixture(scope="module")
def logged(
    small_warehouse: DbtResult,
    small_raw_dir: Path,
    mlflow_store_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
):
    """Retrain the three domains' models with MLflow on (same data and seeds: identical
    models, so each new version becomes the champion); MLFLOW_TRACKING_URI points at the
    store while the module's tests run."""
    work = tmp_path_factory.mktemp("mlflow_models")
    db = work / "warehouse.duckdb"
    shutil.copyfile(small_warehouse.duckdb_path, db)
    uri = mlflow_store(mlflow_store_template, work / "mlflow")
    build = run_dbt(
        ["build", "-s", *REGISTRIES],
        raw_dir=small_raw_dir,
        work_dir=work,
        duckdb_path=db,
        vars_yaml="{retrain_policy: always}",
        env={"MLFLOW_TRACKING_URI": uri},
    ).check()
    assert "WARNING: MLflow" not in build.output, build.output[-3000:]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        patch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        yield {"db": db, "uri": uri, "work": work}


def raw_records(raw_dir: Path, domain: str) -> pd.DataFrame:
    return score.read_input(raw_dir / RAW_FILES[domain])


def route_batches(raw: pd.DataFrame, domain: str, tables: dict) -> dict[str, pd.DataFrame]:
    """The good records of ``raw`` grouped by the model the REST scorer routes them to."""
    scored, _ = score.score_records(domain, raw, tables)
    return {
        name: raw.loc[scored.index[scored["model_name"] == name]].reset_index(drop=True)
        for name in scored["model_name"].unique()
    }


def test_each_new_version_is_an_mlflow_model_from_code_without_pickles(
    logged: dict, tmp_path: Path
) -> None:
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=logged["uri"], registry_uri=logged["uri"])
    rows = pd.concat(
        [query_frame(logged["db"], f"select * from ml.{t}") for t in REGISTRIES], ignore_index=True
    )
    new = rows[
        rows["model_version"] == rows.groupby("model_name")["model_version"].transform("max")
    ]
    assert new["mlflow_run_id"].notna().all()
    assert {name for _, name in SERVED} <= set(new["model_name"])
    for row in new.itertuples(index=False):
        local = Path(
            client.download_artifacts(row.mlflow_run_id, "model", str(tmp_path / row.model_name))
        )
        files = {p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file()}
        assert not [f for f in files if f.endswith(PICKLE_SUFFIXES)], files
        if not pyfunc.servable(row.model_name):  # a segmentation: its text, as before
            assert files == {"model.json", "registry_record.json"}, files
            continue
        suffix = "txt" if row.model_format == "lightgbm_text" else "json"
        assert (local / "artifacts" / f"model.{suffix}").read_text() == row.model_text
        info = mlflow.models.Model.load(str(local))
        flavor = info.flavors["python_function"]
        assert flavor["loader_module"] == "mlflow.pyfunc.loaders.code_model"
        assert "python_model" not in flavor  # no cloudpickled object
        assert info.metadata["registry_version"] == int(row.model_version)
        assert info.signature.params.to_dict()[0]["name"] == "explain"
        required = (local / "requirements.txt").read_text().split()
        assert "revenue_ml==0.1.0" in required and "mlflow-skinny==3.17.2" in required
        kept = pd.read_parquet(local / "artifacts/lookups/ml.build_settings.parquet")
        assert set(kept["domain"]) <= set(raw_features.STAGING_LIMITS)  # no tracking URI, no ids


def test_each_versions_card_is_logged_to_its_run_once(logged: dict) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=logged["uri"], registry_uri=logged["uri"])
    registry = pd.concat(
        [query_frame(logged["db"], f"select * from ml.{t}") for t in REGISTRIES], ignore_index=True
    )
    registry["model_version_id"] = (
        registry["model_name"] + "@v" + registry["model_version"].astype(int).astype(str)
    )
    logged_rows = registry.dropna(subset=["mlflow_run_id"])
    cards = pd.DataFrame(
        {
            "model_version_id": logged_rows["model_version_id"],
            "card_markdown": "# Model card: " + logged_rows["model_version_id"],
        }
    )
    settings = RegistrySettings(
        champion_margin=0.0,
        mlflow_tracking_uri=logged["uri"],
        mlflow_experiment_name="revenue_ml_tests",
        mlflow_model_prefix="",
        dataset_label="",
        dbt_invocation_id="test-invocation",
    )
    assert tracking.log_cards(cards, registry, settings) == len(cards) > 0
    for row in logged_rows.itertuples(index=False):
        local = client.download_artifacts(row.mlflow_run_id, tracking.CARD_ARTIFACT)
        assert Path(local).read_text() == f"# Model card: {row.model_version_id}"
    assert tracking.log_cards(cards, registry, settings) == 0  # once per version


@pytest.mark.parametrize("domain", list(score.DOMAINS))
def test_the_champions_load_and_score_raw_records_bit_for_bit_as_the_rest_scorer(
    logged: dict, small_raw_dir: Path, domain: str
) -> None:
    import mlflow

    tables = score.read_tables(domain, warehouse=logged["db"])
    batches = route_batches(raw_records(small_raw_dir, domain), domain, tables)
    key = score.domain_of(domain).key
    scorer = score.Scorer(domain, tables)
    for route in score.domain_of(domain).routes:
        # the version that serves the route: the model's champion, or its baseline's when the
        # model does not beat it (small data)
        served = scorer.champions[route.model_name]["model_name"]
        batch = batches[served]
        assert len(batch) >= 5, (served, len(batch))
        expected, errors = score.score_records(domain, batch, tables, explain=True)
        assert errors.empty
        model = mlflow.pyfunc.load_model(f"models:/{served}@champion")
        assert model.metadata.metadata["registry_version"] == int(expected["model_version"][0])
        got = model.predict(batch, params={"explain": True})
        pd.testing.assert_frame_equal(
            got[[key, *COMPARED]],
            expected[[key, *COMPARED]].reset_index(drop=True),
            check_exact=True,
        )
        plain = model.predict(batch)  # without explain: the scores only, the same bits
        assert list(plain.columns) == [key, *score.SCORE_COLUMNS]
        assert plain["probability"].equals(got["probability"])


@pytest.mark.parametrize(("domain", "name"), SERVED)
# deprecated since MLflow 3.13 for mlflow.models.predict, still the documented check
@pytest.mark.filterwarnings("ignore:.*validate_serving_input.*:FutureWarning")
def test_the_logged_serving_example_validates(logged: dict, domain: str, name: str) -> None:
    import mlflow
    from mlflow.models import validate_serving_input

    uri = f"models:/{name}@champion"
    local = Path(mlflow.artifacts.download_artifacts(uri))
    serving = (local / "serving_input_example.json").read_text()
    got = validate_serving_input(uri, serving)
    records = pd.DataFrame(json.loads(serving)["dataframe_split"]["data"])
    records.columns = json.loads(serving)["dataframe_split"]["columns"]
    tables = score.read_tables(domain, warehouse=logged["db"])
    assert list(got["model_name"]) == [name]
    # the REST scorer's probability when this version is the one that serves the route
    expected, _ = score.score_records(domain, records, tables)
    if expected["model_name"].tolist() == [name]:
        assert got["probability"].tolist() == expected["probability"].tolist()


def test_a_bad_record_fails_the_batch_naming_the_record_the_column_and_the_fix(
    logged: dict,
) -> None:
    import mlflow
    from mlflow.exceptions import MlflowException

    churn = score.domain_of("churn")
    records = pd.DataFrame([churn.example, {**churn.example, "Total day minutes": "lots"}])
    model = mlflow.pyfunc.load_model("models:/churn_lightgbm@champion")
    with pytest.raises(MlflowException, match="record 1, Total day minutes: .*not a number"):
        model.predict(records)
    offers = score.domain_of("offers")
    closed = mlflow.pyfunc.load_model("models:/offer_close_at_close@champion")
    with pytest.raises(MlflowException) as raised:
        closed.predict(pd.DataFrame([offers.example]))  # an open offer
    assert "record 0, Status: offer_close_at_close scores closed offers" in str(raised.value)
    assert "models:/offer_close_by_age@champion" in str(raised.value)


def test_mlflow_models_serve_answers_over_a_socket(
    logged: dict, small_raw_dir: Path, tmp_path: Path
) -> None:
    """``mlflow models serve --env-manager local`` (the scoring server of mlflow-skinny, in
    this venv) on a free port: a batch of raw records scored as the REST scorer does, a bad
    record a 400 naming it."""
    domain, name = "campaign", "campaign_response"
    tables = score.read_tables(domain, warehouse=logged["db"])
    batch = route_batches(raw_records(small_raw_dir, domain), domain, tables)[name].head(50)
    expected, _ = score.score_records(domain, batch, tables)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    command = [
        str(Path(sys.executable).with_name("mlflow")),
        *("models", "serve", "-m", f"models:/{name}@champion", "--env-manager", "local"),
        *("-h", "127.0.0.1", "-p", str(port)),
    ]
    # the CLI runs `uvicorn` by name: this venv's must come first on PATH
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()[-3000:]
            try:
                if request(url + "/ping", timeout=5)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        body = {"dataframe_records": batch.to_dict("records"), "params": {"explain": True}}
        status, answer = request(url + "/invocations", json.dumps(body).encode())
        assert status == 200, answer
        got = pd.DataFrame(answer["predictions"])
        assert got["customer_id"].tolist() == expected["customer_id"].tolist()
        # JSON carries a double as its shortest repr: the same bits come back
        assert got["probability"].tolist() == expected["probability"].tolist()
        assert got["top_feature"].notna().all()
        bad = [{**batch.iloc[0].to_dict(), "Income": "rich"}]
        status, answer = request(
            url + "/invocations", json.dumps({"dataframe_records": bad}).encode()
        )
        assert status == 400 and "record 0, Income" in answer["message"], answer
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the CLI and the uvicorn it started
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)


def test_a_version_whose_mlflow_model_cannot_be_written_is_logged_as_text(
    logged: dict, mlflow_store_template: Path, tmp_path: Path, monkeypatch
) -> None:
    from mlflow import MlflowClient

    lines: list[str] = []
    monkeypatch.setattr(runtime, "_reporter", lines.append)
    rows = query_frame(
        logged["db"],
        "select * from ml.churn_model_versions where model_name = 'churn_lightgbm' "
        "order by model_version desc limit 1",
    )
    settings_table = query_frame(logged["db"], "select * from ml.build_settings")
    uri = mlflow_store(mlflow_store_template, tmp_path / "store")
    settings = RegistrySettings(
        champion_margin=0.0,
        mlflow_tracking_uri=uri,
        mlflow_experiment_name="revenue_ml_tests",
        mlflow_model_prefix="",
        dataset_label="",
        dbt_invocation_id="test-invocation",
    )

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pyfunc, "save", broken)
    out = tracking.log_new_versions(rows, None, settings, {"ml.build_settings": settings_table})
    monkeypatch.undo()
    monkeypatch.setattr(runtime, "_reporter", lines.append)
    # no lookups given: the version is logged as text too, with a warning
    without = tracking.log_new_versions(rows, None, settings)
    assert any("MLflow model not written (OSError: disk full)" in line for line in lines), lines
    assert any("without an MLflow model" in line for line in lines), lines
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    for logged_rows in (out, without):
        run_id = logged_rows.loc[0, "mlflow_run_id"]
        names = {a.path for a in client.list_artifacts(run_id, "model")}
        assert names == {"model/model.txt", "model/registry_record.json"}, names
    versions = client.search_model_versions("name='churn_lightgbm'")
    assert len(versions) == 2  # both registered all the same

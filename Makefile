# The two commands a newcomer needs: `make build` then `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RAW_DIR ?= data/raw
SCALE ?= 1
SEED ?= 42
# Vars that point the project at the real public datasets in ../shared/datasets.
SHARED_VARS := config/shared_datasets.yml

# The Spark target (profiles.yml `spark`) builds on small generated data of its own.
SPARK_RAW_DIR ?= data/raw_spark
SPARK_SCALE ?= 0.02
SPARK_SEED ?= 7

.PHONY: help venv data build build-shared build-spark test test-fast docs dashboard \
	dashboard-shared serve mlflow-ui mlflow-serve orchestrate chromium java clean lint

help:
	@echo "make build         venv + pinned deps, demo data if absent, dbt build"
	@echo "make test          every test: pytest, dbt build end to end, dbt unit tests, acceptance"
	@echo "make build-shared  dbt build on ../shared/datasets into warehouse_shared.duckdb"
	@echo "make build-spark   dbt build on Apache Spark (in-process) of small generated data (needs Java)"
	@echo "make data          (re)generate demo raw data: SCALE=$(SCALE) SEED=$(SEED) RAW_DIR=$(RAW_DIR)"
	@echo "make docs          dbt docs generate --static (target/static_index.html)"
	@echo "make dashboard     the Streamlit dashboard on the last build's snapshot (HOST=127.0.0.1 PORT=8501)"
	@echo "make dashboard-shared  the same on the real-data build (warehouse_shared.duckdb)"
	@echo "make serve         the REST scoring service on the last build's snapshot (HOST=127.0.0.1 PORT=8000)"
	@echo "make mlflow-ui     the MLflow UI on the build's tracking store (HOST=127.0.0.1 PORT=5000)"
	@echo "make orchestrate   scheduled builds: Dagster's UI, schedule and raw-file sensor (HOST=127.0.0.1 PORT=3000)"
	@echo "make mlflow-serve MODEL=churn_lightgbm  MLflow's scoring server on a registered model's champion (HOST=127.0.0.1 PORT=5001)"
	@echo "make lint          ruff check, ruff format --check, SQLFluff"
	@echo "make clean         remove build outputs, the warehouse and generated data"

# The venv is rebuilt when the pinned dependencies change.
# dbt_plugin/ is the dbt plugin module that lets dbt-spark run the Python models (a separate
# editable install, so that dbt can find it; see dbt_plugin/pyproject.toml).
$(BIN)/.installed: pyproject.toml constraints.txt dbt_plugin/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,spark,orchestrate]' -e ./dbt_plugin
	touch $@

venv: $(BIN)/.installed

# Demo data is generated only when absent (and only into the default data/raw).
$(RAW_DIR)/.generated:
	$(BIN)/python -m revenue_ml.generate --scale $(SCALE) --seed $(SEED) --out $(RAW_DIR)
	echo "scale=$(SCALE) seed=$(SEED)" > $@

data: venv $(RAW_DIR)/.generated

# Every newly trained model version is logged to this MLflow store and registered there
# (revenue_ml/ml/tracking.py; artifacts in mlruns/ beside it). `make build MLFLOW_TRACKING_URI=`
# logs nothing; an MLFLOW_TRACKING_URI in the environment wins.
MLFLOW_TRACKING_URI ?= sqlite:///$(CURDIR)/mlruns.db

build: venv data
	REVENUE_ML_RAW_DIR=$(RAW_DIR) MLFLOW_TRACKING_URI=$(MLFLOW_TRACKING_URI) $(BIN)/dbt build

# Logged to the same MLflow store as the demo build, in its own experiment and under its own
# model names (config/shared_datasets.yml: mlflow_experiment_name, mlflow_model_prefix real_).
build-shared: venv
	REVENUE_ML_DUCKDB=warehouse_shared.duckdb MLFLOW_TRACKING_URI=$(MLFLOW_TRACKING_URI) \
		$(BIN)/dbt build --vars "$$(cat $(SHARED_VARS))"

# The same project on Apache Spark, in the dbt process (dbt-spark `method: session`, local[2]):
# state (metastore, parquet warehouse, scratch, log) under target/spark. See README "Spark".
$(SPARK_RAW_DIR)/.generated:
	$(BIN)/python -m revenue_ml.generate --scale $(SPARK_SCALE) --seed $(SPARK_SEED) --out $(SPARK_RAW_DIR)
	echo "scale=$(SPARK_SCALE) seed=$(SPARK_SEED)" > $@

build-spark: venv java $(SPARK_RAW_DIR)/.generated
	REVENUE_ML_RAW_DIR=$(SPARK_RAW_DIR) $(BIN)/dbt build --target spark

# Two workers (one per core of the reference machine), one test file per worker at a time
# (tests/python/conftest.py: builds made once are shared, the slowest files start first).
PYTEST_WORKERS ?= 2
test: venv chromium java
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-fast: venv
	$(BIN)/python -m pytest -m "not e2e and not acceptance and not spark"

# The style, enforced: ruff (lint and format) on the Python, SQLFluff (.sqlfluff) on the SQL.
lint: venv
	$(BIN)/ruff check revenue_ml tests python_models dashboard benchmarks
	$(BIN)/ruff format --check revenue_ml tests python_models dashboard benchmarks
	$(BIN)/sqlfluff lint models tests analyses --nocolor \
		--disable-progress-bar

docs: venv data
	REVENUE_ML_RAW_DIR=$(RAW_DIR) $(BIN)/dbt docs generate --static

# The dashboard reads the Parquet snapshot every dbt build publishes (macros/dashboard/), never
# the warehouse, so it can stay open during `make build`. It listens on this machine only
# (HOST=127.0.0.1): it shows per-customer income, age and family data and has no login. Open it
# to a network on purpose with HOST=0.0.0.0 (behind an authenticating proxy), PORT to move it.
# Each warehouse publishes its own snapshot (target/dashboard_snapshot/<warehouse name>): the demo
# build by default, the real-data build with WAREHOUSE=warehouse_shared.duckdb (or
# `make dashboard-shared`), side by side on two ports if you like.
WAREHOUSE ?= warehouse.duckdb
HOST ?= 127.0.0.1
# Score a file's limits (the page says them before the upload): SCORE_MAX_MB (also Streamlit's
# upload limit) and SCORE_MAX_ROWS.
SCORE_MAX_MB ?= 50
SCORE_MAX_ROWS ?= 200000
dashboard: PORT ?= 8501
dashboard: venv
	REVENUE_ML_DUCKDB=$(WAREHOUSE) REVENUE_ML_SCORE_MAX_MB=$(SCORE_MAX_MB) \
		REVENUE_ML_SCORE_MAX_ROWS=$(SCORE_MAX_ROWS) $(BIN)/streamlit run dashboard/app.py \
		--server.headless true --server.address $(HOST) --server.port $(PORT) \
		--server.maxUploadSize $(SCORE_MAX_MB) \
		--browser.gatherUsageStats false --client.toolbarMode viewer

dashboard-shared:
	$(MAKE) dashboard WAREHOUSE=warehouse_shared.duckdb

# The REST scoring service (revenue_ml/serve/): the champion models of the snapshot the last
# build of WAREHOUSE published (never the warehouse itself, so `make build` can run meanwhile;
# POST /reload or SIGHUP picks up a newer one). Same rule as the dashboard: this machine only
# unless HOST says otherwise. OpenAPI docs at http://$(HOST):$(PORT)/docs.
serve: PORT ?= 8000
serve: venv
	REVENUE_ML_DUCKDB=$(WAREHOUSE) $(BIN)/python -m revenue_ml.serve --host $(HOST) --port $(PORT)

# The MLflow UI on the build's store. The full `mlflow` package (the UI) caps pyarrow below this
# project's pin, so it lives in its own venv, pinned by constraints-mlflow-ui.txt; one worker
# and no job runner (~0.5 GB instead of ~2 GB).
MLFLOW_VENV ?= .venv-mlflow
$(MLFLOW_VENV)/.installed: constraints-mlflow-ui.txt
	test -x $(MLFLOW_VENV)/bin/python || $(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MLFLOW_VENV)/bin/python -m pip install --quiet -c constraints-mlflow-ui.txt mlflow==3.17.2
	touch $@

mlflow-ui: PORT ?= 5000
mlflow-ui: $(MLFLOW_VENV)/.installed
	MLFLOW_DISABLE_TELEMETRY=true MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false \
		$(MLFLOW_VENV)/bin/mlflow ui --backend-store-uri $(MLFLOW_TRACKING_URI) \
		--default-artifact-root $(CURDIR)/mlruns --host $(HOST) --port $(PORT) --workers 1

# Scheduled runs (revenue_ml/orchestrate/, README "Scheduled runs"): `dagster dev` starts the
# Dagster UI, the daemon that runs the daily schedule and the raw-file sensor, and a code server.
# Builds see the same RAW_DIR, warehouse and MLflow store as `make build`. The instance (run
# history, ticks, logs) lives in ORCHESTRATE_HOME; its settings are config/dagster/dagster.yaml
# (one run at a time), copied there on each start. Same rule as the dashboard: this machine only
# unless HOST says otherwise. The schedule: REVENUE_ML_SCHEDULE_CRON, REVENUE_ML_SCHEDULE_TIMEZONE.
ORCHESTRATE_HOME ?= $(CURDIR)/target/dagster
orchestrate: PORT ?= 3000
orchestrate: venv
	mkdir -p $(ORCHESTRATE_HOME)
	cp config/dagster/dagster.yaml $(ORCHESTRATE_HOME)/dagster.yaml
	DAGSTER_HOME=$(ORCHESTRATE_HOME) REVENUE_ML_RAW_DIR=$(RAW_DIR) \
		MLFLOW_TRACKING_URI=$(MLFLOW_TRACKING_URI) \
		$(BIN)/dagster dev -m revenue_ml.orchestrate.definitions -h $(HOST) -p $(PORT)

# MLflow's own scoring server (POST /invocations) on the champion (ALIAS) of a registered model
# MODEL of the build's store: the pyfunc model each build logs for the churn, offers and campaign
# models and their baselines (revenue_ml/ml/pyfunc.py; raw records in, scores out). It runs in
# this project's venv (`--env-manager local`): mlflow-skinny carries the server, and the model's
# code imports revenue_ml, which is installed there and not on PyPI. The server starts `uvicorn`
# by name, hence the PATH. Same rule as the dashboard: this machine only unless HOST says so.
ALIAS ?= champion
mlflow-serve: PORT ?= 5001
mlflow-serve: venv
	@test -n "$(MODEL)" || { echo "give MODEL=, e.g. make mlflow-serve MODEL=churn_lightgbm \
	(or offer_close_at_close, offer_close_at_open, campaign_response, a baseline)"; exit 2; }
	PATH=$(CURDIR)/$(BIN):$$PATH MLFLOW_TRACKING_URI=$(MLFLOW_TRACKING_URI) \
		MLFLOW_DISABLE_TELEMETRY=true MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR=false \
		$(BIN)/mlflow models serve -m models:/$(MODEL)@$(ALIAS) --env-manager local \
		--host $(HOST) --port $(PORT) --workers 1

# The browser the dashboard and docs tests drive (Debian's chromium; never `playwright install`).
chromium:
	command -v chromium >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# Java for the Spark target (pyspark 4 runs on Java 17 or 21): Debian's headless runtime. The
# man directory is missing on slim images and the package's post-install step needs it.
java:
	command -v java >/dev/null || \
		(mkdir -p /usr/share/man/man1 && apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless)

clean:
	rm -rf target logs dbt_packages warehouse.duckdb warehouse.duckdb.wal \
		warehouse_shared.duckdb warehouse_shared.duckdb.wal data test-artifacts .pytest_cache \
		mlruns.db mlruns

.PHONY: bench
# Scales 1 and 10 by default; scale 100 (~54M transaction lines, ~6 GB of CSV, about an hour)
# on request: `make bench BENCH_SCALES=100` (benchmarks/README.md).
BENCH_SCALES ?= 1 10
bench: venv
	$(BIN)/python -m benchmarks.run --scales $(BENCH_SCALES) --repeats 3

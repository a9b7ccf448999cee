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

.PHONY: help venv data build build-shared test test-fast docs dashboard dashboard-shared chromium \
	clean lint

help:
	@echo "make build         venv + pinned deps, demo data if absent, dbt build"
	@echo "make test          every test: pytest, dbt build end to end, dbt unit tests, acceptance"
	@echo "make build-shared  dbt build on ../shared/datasets into warehouse_shared.duckdb"
	@echo "make data          (re)generate demo raw data: SCALE=$(SCALE) SEED=$(SEED) RAW_DIR=$(RAW_DIR)"
	@echo "make docs          dbt docs generate --static (target/static_index.html)"
	@echo "make dashboard     the Streamlit dashboard on the last build's snapshot (HOST=127.0.0.1 PORT=8501)"
	@echo "make dashboard-shared  the same on the real-data build (warehouse_shared.duckdb)"
	@echo "make lint          ruff check, ruff format --check, SQLFluff"
	@echo "make clean         remove build outputs, the warehouse and generated data"

# The venv is rebuilt when the pinned dependencies change.
$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

# Demo data is generated only when absent (and only into the default data/raw).
$(RAW_DIR)/.generated:
	$(BIN)/python -m revenue_ml.generate --scale $(SCALE) --seed $(SEED) --out $(RAW_DIR)
	echo "scale=$(SCALE) seed=$(SEED)" > $@

data: venv $(RAW_DIR)/.generated

build: venv data
	REVENUE_ML_RAW_DIR=$(RAW_DIR) $(BIN)/dbt build

build-shared: venv
	REVENUE_ML_DUCKDB=warehouse_shared.duckdb $(BIN)/dbt build --vars "$$(cat $(SHARED_VARS))"

test: venv chromium
	$(BIN)/python -m pytest

test-fast: venv
	$(BIN)/python -m pytest -m "not e2e and not acceptance"

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
PORT ?= 8501
dashboard: venv
	REVENUE_ML_DUCKDB=$(WAREHOUSE) $(BIN)/streamlit run dashboard/app.py \
		--server.headless true --server.address $(HOST) --server.port $(PORT) \
		--browser.gatherUsageStats false --client.toolbarMode viewer

dashboard-shared:
	$(MAKE) dashboard WAREHOUSE=warehouse_shared.duckdb

# The browser the dashboard and docs tests drive (Debian's chromium; never `playwright install`).
chromium:
	command -v chromium >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

clean:
	rm -rf target logs dbt_packages warehouse.duckdb warehouse.duckdb.wal \
		warehouse_shared.duckdb warehouse_shared.duckdb.wal data test-artifacts .pytest_cache

.PHONY: bench
bench: venv
	$(BIN)/python -m benchmarks.run --scales 1 10 --repeats 3

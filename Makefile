# Entry points: `make run`, `make serve` and `make test`. Each builds .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Screenshots of every browser journey, and traces of failed ones, land in test-artifacts/e2e/.
E2E_FLAGS := --tracing retain-on-failure --output test-artifacts/e2e/traces

.PHONY: run serve test lint format unit e2e bench fixtures clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $${PORT:-8501}

# REPLICAS replicas of the app (default: one per core) behind nginx on HOST:PORT (default
# 127.0.0.1:8080; HOST=0.0.0.0 serves the network); configuration, logs and status in .serve/
# (serve/supervisor.py; needs Debian's nginx).
serve: $(STAMP)
	$(BIN)/python -m serve.supervisor --host $${HOST:-127.0.0.1} --port $${PORT:-8080} \
	  --replicas $${REPLICAS:-$$(nproc)}

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every tier: unit/property, AppTest, then Playwright (browser tests need /usr/bin/chromium).
# Two runs, so that either tier collecting no test fails (pytest exits 5) instead of passing.
test: $(STAMP) lint
	$(BIN)/python -m pytest -m "not e2e"
	$(BIN)/python -m pytest -m e2e $(E2E_FLAGS)

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e"

e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e $(E2E_FLAGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/network.py
	$(BIN)/python benchmarks/app.py
	$(BIN)/python benchmarks/exports.py
	$(BIN)/python benchmarks/startup.py

# Regenerate the metafor reference fixtures (needs R: r-base-core r-cran-metafor r-cran-lme4 r-cran-metadat r-cran-jsonlite).
fixtures:
	Rscript validation/metafor/make_fixtures.R
	Rscript validation/metafor/metareg_fixtures.R
	Rscript validation/metafor/network_fixtures.R

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts .serve

# Two entry points, each sets everything up first:
#   make demo   - a latent-space search on NAS-Bench-201 with the shipped encoder, offline, on the CPU
#   make test   - the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-all test-gpu lint test-workers wheel-check

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/latentnas search --benchmark nasbench201 --dataset cifar10 --sampler latent-bo --trials 100 --seed 0 \
		--storage sqlite:///runs/demo.db
	$(BIN)/python scripts/compare.py --benchmark nasbench201 --datasets cifar10 --samplers random latent-bo \
		--seeds 3 --budget 100 --out runs/demo-compare --force

test: setup
	$(BIN)/python -m pytest -q

test-all: setup
	$(BIN)/python -m pytest -q -m "slow or not slow"

test-gpu: setup
	$(BIN)/python -m pytest -q -m gpu

lint: setup
	$(BIN)/python -m ruff check latentnas encoders tests scripts
	$(BIN)/python -m mypy latentnas encoders
	$(BIN)/lint-imports --no-cache

# The multi-worker and crash tests against a throwaway PostgreSQL server (installed from Debian when missing).
test-workers: setup
	@dir=$$(mktemp -d) && chmod 755 $$dir && url=$$(.ci/postgres.sh start $$dir/pg) && \
	LATENTNAS_TEST_POSTGRES=$$url $(BIN)/python -m pytest -q tests/test_workers.py tests/test_crash.py \
		tests/test_claims.py tests/test_storage.py tests/test_heartbeat.py; status=$$?; .ci/postgres.sh stop $$dir/pg; rm -rf $$dir; exit $$status

# The wheel, installed into a fresh venv outside the checkout, runs a search and reads its shipped encoder.
wheel-check:
	.ci/wheel_check.sh $(PYTHON)

# Two entry points, each sets everything up first:
#   make demo   - a latent-space search on NAS-Bench-201 with the shipped encoder, offline, on the CPU
#   make test   - the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-all lint

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: setup
	$(BIN)/latentnas search --benchmark nasbench201 --dataset cifar10 --sampler latent-bo --trials 100 --seed 0 \
		--threads 1 --storage sqlite:///runs/demo.db
	$(BIN)/python scripts/compare.py --benchmark nasbench201 --datasets cifar10 --samplers random latent-bo \
		--seeds 3 --budget 100 --out runs/demo-compare

test: setup
	$(BIN)/python -m pytest -q

test-all: setup
	$(BIN)/python -m pytest -q -m "slow or not slow"

lint: setup
	$(BIN)/python -m ruff check latentnas encoders tests scripts
	$(BIN)/python -m mypy latentnas encoders

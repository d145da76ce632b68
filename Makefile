# Two commands: `make run` serves the example sites, `make test` runs the suite.
PYTHON ?= python3
# `PORT=8010 make run` serves elsewhere; HOST likewise (127.0.0.1: this machine only).
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# What `make run` needs is the runtime alone: the test tools (Playwright, Hypothesis…) come with `make test`.
RUNTIME := $(VENV)/.installed
TEST_TOOLS := $(VENV)/.installed-test

.PHONY: run test build check lint catalogs bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUNTIME): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $(RUNTIME)

$(TEST_TOOLS): pyproject.toml $(RUNTIME)
	$(PY) -m pip install -q -e '.[test]'
	touch $(TEST_TOOLS)

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	touch node_modules/.installed

build: $(RUNTIME)
	$(PY) build.py

check: $(RUNTIME)
	$(PY) build.py check

run: build
	$(PY) server.py --host $(HOST) --port $(PORT)

test: $(TEST_TOOLS) node_modules/.installed
	$(PY) -m pytest

# The code gate (`make check` checks the content): formatting, a pinned rule set, strict types.
lint: $(TEST_TOOLS)
	$(PY) -m pip install -q -e '.[lint]'
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/xenon --max-absolute C privacy server.py build.py

catalogs: $(RUNTIME)
	$(PY) -m privacy.catalogs

bench: $(RUNTIME)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules public var

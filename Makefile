# Two commands: `make run` serves the example sites, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test build check lint catalogs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	touch node_modules/.installed

build: $(STAMP)
	$(PY) build.py

check: $(STAMP)
	$(PY) build.py check

run: build
	$(PY) server.py --host 127.0.0.1 --port 8000

test: $(STAMP) node_modules/.installed
	$(PY) -m pytest

# The code gate (`make check` checks the content): formatting, a pinned rule set, strict types.
lint: $(STAMP)
	$(PY) -m pip install -q -e '.[lint]'
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/xenon --max-absolute C --exclude 'privacy/validation.py' privacy server.py build.py

catalogs: $(STAMP)
	$(PY) -m privacy.catalogs

bench: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules public var

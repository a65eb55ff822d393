# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell md5sum requirements.txt | cut -c1-12)
PORT ?= 8501

.PHONY: run test test-fast setup vendor lint check clean bench

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

vendor: $(STAMP)
	$(PY) -m maps.assets static/vendor

setup: vendor
	$(PY) -m prepare setup

run: setup
	$(VENV)/bin/streamlit run server.py --server.port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# One pytest worker per core (pytest-xdist), a test file's tests kept together so its
# module fixtures (the demo database of its AppTests) are made once.
PARALLEL := -n auto --dist loadfile

test: vendor lint
	$(VENV)/bin/pytest $(PARALLEL) $(PYTEST_ARGS)

# The inner loop: core and AppTest only (no browser, PostgreSQL, nginx or benchmark), stopping
# at the first failure.
test-fast: vendor
	env -u REGISTRY_TEST_POSTGRES_URL -u REGISTRY_TEST_BROWSER -u REGISTRY_TEST_NGINX \
	  $(VENV)/bin/pytest $(PARALLEL) -q -x -p no:cacheprovider --ignore=tests/browser \
	  --ignore=tests/operations/test_bench.py $(PYTEST_ARGS)

check: $(STAMP)
	$(PY) -m prepare check

# Speed and memory at district and province scale, against a naive folium baseline measured
# in the same run; prints a table and writes bench-results/bench.json. BENCH_ARGS=--quick
# for a smoke run.
bench: vendor
	$(PY) -m prepare bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) static/vendor .pytest_cache

# The two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell md5sum requirements.txt | cut -c1-12)
PORT ?= 8501

.PHONY: run test setup vendor lint check clean bench

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
	$(VENV)/bin/streamlit run streamlit_app.py --server.port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: vendor lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(PY) -m prepare check

# Speed and memory at district and province scale, against a naive folium baseline measured
# in the same run; prints a table and writes bench-results/bench.json. BENCH_ARGS=--quick
# for a smoke run.
bench: vendor
	$(PY) -m prepare bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) static/vendor .pytest_cache

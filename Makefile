# bpa-provider — the two set-up commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= demo/bpa-demo.sqlite3

.PHONY: run test install demo bench lint clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Open the app on a demo SQLite database (created on first use).
run: $(STAMP)
	@if [ ! -f $(DEMO_DB) ]; then mkdir -p $(dir $(DEMO_DB)) && $(BIN)/bpa-provider --db $(DEMO_DB) demo; fi
	$(BIN)/bpa-provider --db $(DEMO_DB)

## Run every test (SQLite and a throwaway PostgreSQL), one pytest process per core
## (TEST_JOBS=0 runs them in this one process).
TEST_JOBS ?= auto
test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_JOBS) --dist worksteal $(PYTEST_ARGS)

demo: $(STAMP)
	mkdir -p $(dir $(DEMO_DB)) && $(BIN)/bpa-provider --db $(DEMO_DB) demo

## Benchmarks (never part of `make test`): issue 19's rows at 10 % and 100 % on SQLite and PostgreSQL,
## three runs each (16 minutes on two cores in session 10, about 30 on a slower VM). `make bench BENCH_ARGS="--scales 0.1,0.5,1 --runs 5"` for more.
BENCH_ARGS ?= --scales 0.1,1 --runs 3 --pg-scales 0.1,1
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## The gates (docs/architecture.md, "Gates"): ruff, mypy --strict (rules, services), import contracts.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) demo *.egg-info

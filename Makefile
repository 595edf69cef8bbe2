# The two commands: `make demo` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint types layers pytest test-plain docs bench bench-quick clean lock test-pythons

## The development install is pinned by constraints.txt (every package, pip included), so a new release of
## anything cannot turn `make test` red overnight; `make lock` refreshes the pins (then run `make test`).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## lock: resolve the dev install afresh in a scratch venv and write every version it took to constraints.txt
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# Written by \`make lock\` on $$(date -u +%Y-%m-%d) with $$(.venv-lock/bin/python --version): the dev install's pins."; \
	  .venv-lock/bin/python -m pip freeze --all --exclude-editable | grep -v '^fengqiao'; } > constraints.txt
	rm -rf .venv-lock

## demo: the worked example saved in the embedded SQLite default, then a small simulated year
demo: $(STAMP)
	$(BIN)/fengqiao demo --db fengqiao.db
	rm -f demo-simulation.db demo-simulation.db-wal demo-simulation.db-shm
	$(BIN)/fengqiao simulate yongji --policy yongji-54333 --scale 0.1 --db demo-simulation.db
	$(BIN)/fengqiao report --policy yongji-54333 --db demo-simulation.db

## test: the whole suite — lint, format check, types, layers, benchmarks (quick), tests, doctests, docs examples,
## the fast-path comparisons again in plain mode, docs build
test: lint types layers bench-quick pytest test-plain docs

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

types: $(STAMP)
	$(BIN)/mypy

## layers: the import contracts in pyproject.toml (inner rooms never import outer ones; regions only from policies)
layers: $(STAMP)
	$(BIN)/lint-imports

## pytest: the tests of the built site (tests/docs) read the one `make docs` wrote; the slowest 25 listed (CI budget)
pytest: $(STAMP) docs
	FENGQIAO_SITE_DIR=.site $(BIN)/pytest --durations=25

## test-plain: the tests comparing fast paths with the plain attrs way, again with every fast path off
PLAIN_TESTS := tests/domain/test_codegen.py tests/domain/test_quick_init.py tests/domain/test_calls.py \
	tests/lifecycle/test_fold.py tests/lifecycle/test_fold_fast_paths.py tests/test_serde_fast.py tests/test_plain_mode.py \
	tests/storage/test_codec.py tests/storage/test_codec_paths.py
test-plain: $(STAMP)
	FENGQIAO_PLAIN=1 $(BIN)/pytest -q $(PLAIN_TESTS)

## test-pythons: the core of the suite again on each other supported Python (3.12, 3.13), each in a venv of its own
## (minutes: not part of `make test`, which runs everything on the default python3; run it before a release)
OTHER_PYTHONS := python3.12 python3.13
CORE_TESTS := tests/lifecycle tests/domain tests/test_serde.py tests/storage/test_sqlite.py tests/storage/test_postgres.py \
	tests/storage/test_async.py tests/policies/test_baseline.py tests/test_cli.py
test-pythons:
	for py in $(OTHER_PYTHONS); do \
	  $$py -m venv .venv-$$py && \
	  .venv-$$py/bin/python -m pip install --quiet -c constraints.txt pip && \
	  .venv-$$py/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]' && \
	  .venv-$$py/bin/python -m pytest -q -p no:cacheprovider -o addopts='--strict-markers -ra' $(CORE_TESTS) \
	  || exit 1; \
	done

## bench-quick: every benchmark once on tiny sizes; fails only if one crashes, never on time
bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks --quick

## bench: the full benchmark run that benchmarks/README.md reports (minutes; run it on a quiet machine)
bench: $(STAMP)
	$(BIN)/python -m benchmarks

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir .site

clean:
	rm -rf $(VENV) .venv-python3.* .mypy_cache .ruff_cache .pytest_cache .hypothesis

# The two commands of the README: `make demo` and `make test`. Both set up first.
# `make test` is what CI runs (.ci/run): lint, format check, type check, then the whole suite.
.PHONY: setup demo test test-fast check lint typecheck bench

PY := .venv/bin/python
CODE := qualkit tests bench scripts app.py

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/qualkit demo --data qualkit-data

# One worker process per core, at most 4 (each starts its own PostgreSQL server and templates).
test: setup check
	$(PY) -m pytest -q -n auto --maxprocesses=4

# Quick local loop: no slow, browser or PostgreSQL tests; no set-up step.
test-fast:
	$(PY) -m pytest -q -m "not slow and not browser and not postgres"

check: lint typecheck

lint:
	.venv/bin/ruff check $(CODE)
	.venv/bin/ruff format --check $(CODE)

typecheck:
	.venv/bin/mypy

bench: setup
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

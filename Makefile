# The two commands of the README: `make demo` and `make test`. Both set up first.
.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/qualkit demo --data qualkit-data

test: setup
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check qualkit tests bench app.py

bench: setup
	@for f in bench/*.py; do echo "== $$f"; .venv/bin/python $$f || exit 1; done

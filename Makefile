# `make serve` runs the server; `make test` runs every check CI runs. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: venv lint test test-slow serve schema

venv: $(VENV)/.installed

# Reinstall only when pyproject.toml is newer than the stamp.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[dev]'
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# pytest runs in a private network namespace with DynamoDB Local on 127.0.0.1:8000.
test: lint
	scripts/dynamodb-local --install-only
	scripts/in-netns $(BIN)/python -m pytest $(PYTEST_ARGS)

# The long runs (full fuzz, 50-client concurrency), also inside the namespace.
test-slow: venv
	scripts/dynamodb-local --install-only
	scripts/in-netns $(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

serve: venv
	$(BIN)/gql serve $(SERVE_ARGS)

schema: venv
	$(BIN)/gql export-schema -o schema.graphql

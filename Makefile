# `make serve` runs the server; `make test` runs every check CI runs. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# pytest-xdist workers for `make test`, each with a DynamoDB Local of its own (0: no xdist).
# Modules are handed out in the order tests/conftest.py gives them (longest first): without
# --no-loadscope-reorder, xdist would sort them by their number of tests, and a long module
# of one test would start last and run alone.
TEST_WORKERS ?= 3
XDIST = $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder)
# The test runs' DynamoDB Locals live minutes, not hours: the quick JIT alone and the serial GC
# halve the CPU they take from the tests (scripts/dynamodb-local).
TEST_JAVA_OPTS ?= -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
TEST_ENV = DYNAMODB_LOCAL_INSTANCES=$(or $(filter-out 0,$(TEST_WORKERS)),1) \
	DYNAMODB_LOCAL_JAVA_OPTS="$(TEST_JAVA_OPTS)"

.PHONY: venv lint test test-slow test-slow-machine serve schema

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

# pytest runs in a private network namespace with DynamoDB Local on 127.0.0.1:8000 (one per
# xdist worker, on 8000, 8001, ...). npm packages the tests drive (graphql-ws, Apollo Client)
# are installed first: the namespace has no network.
test: lint client-tools apollo-client
	scripts/dynamodb-local --install-only
	$(TEST_ENV) scripts/in-netns $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The whole suite as a slow machine runs it: pinned to one core, with every DynamoDB Local
# call (DynamoDB Streams too) answered SLOW_MACHINE_DELAY_MS later by scripts/delay-proxy.
SLOW_MACHINE_DELAY_MS ?= 5

test-slow-machine: lint client-tools apollo-client
	scripts/dynamodb-local --install-only
	$(TEST_ENV) DYNAMODB_LOCAL_DELAY_MS=$(SLOW_MACHINE_DELAY_MS) \
		taskset -c 0 scripts/in-netns $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The long runs (full fuzz, 50-client concurrency), also inside the namespace.
test-slow: venv client-tools apollo-client
	scripts/dynamodb-local --install-only
	$(TEST_ENV) scripts/in-netns $(BIN)/python -m pytest $(XDIST) -m slow $(PYTEST_ARGS)

serve: venv
	$(BIN)/gql serve $(SERVE_ARGS)

schema: venv
	$(BIN)/gql export-schema -o schema.graphql

# The benchmark (bench/): DynamoDB Local in a private network namespace, `gql serve`, the figures
# as ratios against baselines of the same run; bench/results/latest.json. Load comes from
# autocannon, installed here into .cache/bench (wrk or bench/loadgen.py when npm is missing).
AUTOCANNON_VERSION := 9.0.0
BENCH_ARGS ?=

.PHONY: bench bench-smoke bench-tools

bench-tools:
	@if [ "$$(cat .cache/bench/.installed 2>/dev/null)" = "$(AUTOCANNON_VERSION)" ]; then :; \
	elif command -v npm >/dev/null; then \
		npm install --prefix .cache/bench --no-audit --no-fund --loglevel=error \
			autocannon@$(AUTOCANNON_VERSION) && echo $(AUTOCANNON_VERSION) >.cache/bench/.installed; \
	else echo "bench: npm not found: load comes from wrk if installed, else bench/loadgen.py"; fi

bench: venv bench-tools
	scripts/dynamodb-local --install-only
	scripts/in-netns $(BIN)/python -m bench $(BENCH_ARGS)
	scripts/in-netns $(BIN)/python -m bench.live  # live changes (bench/live.py)

# The same end to end in seconds, with tiny sizes; checks that it runs, not how fast.
bench-smoke: venv bench-tools
	scripts/dynamodb-local --install-only
	scripts/in-netns $(BIN)/python -m bench --quick $(BENCH_ARGS)
	scripts/in-netns $(BIN)/python -m bench.live --quick

# The npm packages of client-examples/js (graphql-ws, ws: pinned in its package.json and
# package-lock.json) for tests/examples, installed into .cache/clients: the tests run without
# network, and nothing is installed into the source tree.
.PHONY: client-tools

client-tools:
	@if cmp -s client-examples/js/package-lock.json .cache/clients/package-lock.json \
		&& [ -d .cache/clients/node_modules/graphql-ws ]; then :; \
	elif command -v npm >/dev/null; then \
		mkdir -p .cache/clients \
		&& cp client-examples/js/package.json client-examples/js/package-lock.json .cache/clients/ \
		&& npm ci --prefix .cache/clients --no-audit --no-fund --loglevel=error; \
	else echo "client-tools: npm not found: the JavaScript subscriber's tests will skip"; fi

# Apollo Client for tests/hardening/test_apollo_client.py, installed into .cache/apollo-client
# before pytest runs (its network namespace has no network); the test skips without npm.
APOLLO_CLIENT_VERSION := 4.3.8

.PHONY: apollo-client

apollo-client:
	@if [ "$$(cat .cache/apollo-client/.installed 2>/dev/null)" = "$(APOLLO_CLIENT_VERSION)" ]; then :; \
	elif command -v npm >/dev/null; then \
		npm install --prefix .cache/apollo-client --no-audit --no-fund --loglevel=error \
			@apollo/client@$(APOLLO_CLIENT_VERSION) graphql@16.11.0 rxjs@7.8.2 \
			&& echo $(APOLLO_CLIENT_VERSION) >.cache/apollo-client/.installed; \
	else echo "apollo-client: npm not found: tests/hardening/test_apollo_client.py skips"; fi

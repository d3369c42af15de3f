# The two commands: `make demo` (an agent run on the offline default) and `make test`.
# Both create .venv and install limner with its dependencies first (once; again when
# pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
LANGGRAPH_STAMP := $(VENV)/langgraph-server/limner-requirement.txt
DEMO_PROMPT ?= A poster for a bakery that says 'FRESH BREAD DAILY' with three red balloons

.PHONY: install demo test test-fast eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Services the tests start on loopback (an OpenAI-compatible images mock, pinned in package.json).
# Without npm the tests that need them are skipped with that reason.
$(NODE_STAMP): package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: tests against the third-party images mock will be skipped"; fi

# LangGraph's own server for tests/e2e/test_langgraph_server.py, in an environment layered on
# .venv (its jsonschema-rs pin clashes with schemathesis). Without PyPI that test is skipped.
$(LANGGRAPH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python tests/langgraph_env.py

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/limner generate "$(DEMO_PROMPT)" -n 4 --seed 7

test: $(STAMP) $(NODE_STAMP) $(LANGGRAPH_STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

eval: $(STAMP)
	$(BIN)/limner eval overhead

clean:
	rm -rf out .pytest_cache node_modules

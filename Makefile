# The two commands: `make demo` (an agent run on the offline default) and `make test`.
# Both create .venv and install limner with its dependencies first (once; again when
# pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
LANGGRAPH_STAMP := $(VENV)/langgraph-server/limner-requirement.txt
OPEN_WEBUI_STAMP := $(VENV)/open-webui/limner-requirement.txt
DEMO_PROMPT ?= A poster for a bakery that says 'FRESH BREAD DAILY' with three red balloons

.PHONY: install demo test test-fast eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,studio,ray]'
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

# Open WebUI (pip open-webui, ~7 GiB, ~2.5 min) for tests/e2e/test_open_webui.py, in a venv of its
# own: it only talks to limner over HTTP. Without PyPI that test is skipped, saying why.
$(OPEN_WEBUI_STAMP): tests/open_webui_env.py | $(STAMP)
	$(BIN)/python tests/open_webui_env.py
	@if [ -f $@ ]; then touch $@; fi

# Chromium for the studio's browser tests (tests/e2e/test_studio_browser.py): Debian's package
# (Playwright's own browser download is not used), installed when missing and this is root with
# apt-get; otherwise those tests are skipped, saying why.
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "chromium could not be installed: the studio's browser tests will be skipped"; \
		else echo "chromium not found (needs root and apt-get to install): the studio's browser tests will be skipped"; fi; }

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/limner generate "$(DEMO_PROMPT)" -n 4 --seed 7

test: $(STAMP) $(NODE_STAMP) $(LANGGRAPH_STAMP) $(OPEN_WEBUI_STAMP) chromium
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

eval: $(STAMP)
	$(BIN)/limner eval overhead

clean:
	rm -rf out .pytest_cache node_modules

# Every target installs what is missing first, so each is safe to run on a fresh clone and again.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MYPY := $(PY) -m mypy
PY_STAMP := $(VENV)/.installed-$(shell cksum < requirements-lock.txt | cut -d" " -f1)
EDITABLE_STAMP := $(VENV)/.editable-$(shell cksum < pyproject.toml | cut -d" " -f1)
NODE_STAMP := node_modules/.installed
# The pinned Node.js 22 (npm package `node`) and the pinned CDK CLI come first on PATH, so jsii
# never runs on the machine's end-of-life Node.js.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: setup synth test lint clean lock try

setup: $(PY_STAMP) $(EDITABLE_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements-lock.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-lock.txt
	@rm -f $(VENV)/.installed-* && touch $@

# The package itself, editable, so `python -m chime_proxy_session.drift` and the console script
# `chime-proxy-session-drift` work from a checkout (README "Drift"). Offline: hatchling is pinned
# in requirements-lock.txt and the dependencies are installed above.
$(EDITABLE_STAMP): $(PY_STAMP) pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check --no-index --no-deps \
	  --no-build-isolation --editable .
	@rm -f $(VENV)/.editable-* && touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: setup
	cdk synth --quiet
	@echo "Synthesized: $$(ls $(CURDIR)/cdk.out/*.template.json)"

# `make lint` and every test, within 3 minutes on the 2-core machine: ruff (a second) first;
# mypy (about a minute when its cache is cold) runs in the background while pytest runs, as the
# tests leave a core idle for that long while they wait on processes and timeouts. mypy's report
# is printed after pytest's, and `make test` fails when ruff, mypy or any test does.
test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@log=$$(mktemp); $(MYPY) > "$$log" 2>&1 & mypy=$$!; \
	trap 'kill $$mypy 2>/dev/null; rm -f "$$log"' EXIT; trap 'exit 130' INT TERM; \
	echo "$(MYPY) &  (in the background; its report follows pytest's)"; \
	echo "$(PY) -m pytest"; $(PY) -m pytest; tests=$$?; \
	wait $$mypy; lint=$$?; echo "$(MYPY):"; cat "$$log"; \
	test $$tests -eq 0 && test $$lint -eq 0

# mypy checks what [tool.mypy] files lists; its cache makes a second run take seconds.
lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(MYPY)

# Benchmarks side by side with AwsCustomResource; writes bench/results/ (see README "Benchmarks").
.PHONY: bench
bench: setup
	$(PY) -m bench.run

# Try it without an AWS account: Create, Update and Delete against the local emulator.
try: setup
	$(PY) -m harness.try_it

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache

# Re-pin the whole tree after changing requirements-dev.txt.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	{ echo "# Full pinned tree (pip freeze of requirements-dev.txt). Regenerate: make lock"; \
	  .lock-venv/bin/pip freeze | grep -v '^pip=='; } > requirements-lock.txt
	rm -rf .lock-venv

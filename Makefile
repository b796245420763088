# Two commands for a new user: `make demo` and `make test`. Each creates .venv and installs
# what it needs from the package index; nothing else is required on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLAGSHIP := workflows/twilio-provision-messaging-service-add-number-workflow.yml

.PHONY: demo test install compile clean bench bench-startup bench-temporal bench-messages bench-mcp lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip compiles the bytecode of what it installs, but not of an editable package, whose
# sources stay here: without .pyc files (PYTHONDONTWRITEBYTECODE=1 is common in containers, so
# nothing writes them later) every `arazzo run` compiles the package again, about a third of
# its start-up. COMPILE writes them whatever that variable says; `make install` (or `make
# compile`) again after an edit refreshes them (compileall skips the files that are current).
COMPILE = env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m compileall -q arazzo_runner

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e .
	$(COMPILE)
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[test]'
	$(COMPILE)
	touch $(VENV)/.installed $@

compile: | $(BIN)/python
	$(COMPILE)

install: $(VENV)/.installed
	$(COMPILE)

# The flagship workflow, end to end, on the built-in mock of its OpenAPI description.
demo: $(VENV)/.installed
	$(BIN)/arazzo run $(FLAGSHIP) --mock \
		-i friendlyName="Demo messaging service" \
		-i phoneNumberSid=PN0123456789abcdef0123456789abcdef

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[test,lint]'
	$(BIN)/ruff check arazzo_runner tests benchmarks
	$(BIN)/ruff format --check arazzo_runner tests benchmarks
	$(BIN)/mypy arazzo_runner

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/expressions.py
	$(BIN)/python benchmarks/run.py

# One cold `arazzo run` next to Jentic's arazzo-runner 0.9.6 (which it installs, once, into a
# venv of its own under the system temp dir: the only target that downloads for a benchmark).
bench-startup: $(VENV)/.installed
	$(BIN)/python benchmarks/startup.py

# Runs/s of the flagship as a local batch and on Temporal with one and two workers (it starts a
# Temporal dev server, the mock of the flagship's API and the workers on loopback itself).
bench-temporal: $(VENV)/.installed-test
	$(BIN)/python benchmarks/temporal_throughput.py

# What an MCP call over stdio adds to an in-process run of the flagship on the mock.
bench-mcp: $(VENV)/.installed-test
	$(BIN)/python benchmarks/mcp_overhead.py

# Runs/s of a send-then-receive workflow on the mock broker and on a Mosquitto it starts itself.
bench-messages: $(VENV)/.installed-test
	$(BIN)/python benchmarks/messages.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

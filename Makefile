# Two commands for a new user: `make demo` and `make test`. Each creates .venv and installs
# what it needs from the package index; nothing else is required on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLAGSHIP := workflows/twilio-provision-messaging-service-add-number-workflow.yml

.PHONY: demo test install clean bench lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --config-settings editable_mode=compat -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

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

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# Two commands on a fresh machine: `make demo` and `make test`. Both install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench validate clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ledgergraph sec run --source sample_data/sec

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench

# The SAM CLI pins versions that clash with the project's, so it lives in .venv-sam.
validate: $(STAMP)
	scripts/install-sam.sh
	scripts/sam.sh validate --lint
	scripts/sam.sh cfn-lint -- template.yaml
	$(BIN)/pytest -q tests/unit/test_asl_files.py tests/unit/test_template.py

clean:
	rm -rf $(VENV) .ledgergraph

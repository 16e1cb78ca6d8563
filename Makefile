# The front door. `make` builds the HTML, EPUB and PDF editions into _build/;
# `make test` runs every test. Both create .venv on first use.
#
#   make html | epub | pdf       one format          make PAPER=letter pdf   US Letter
#   make instructor              instructor HTML+PDF  make worksheets         per-chapter PDFs
#   make lms                     GIFT, Moodle XML, QTI make live              preview on :8000
#   make flashcards              Anki, TSV, cut-out cards
#   make quiz QUIZ=quizzes/example.yaml   papers, keys and a question bank in _build/quiz/example/
#   make errata FROM=edition-1.0 what changed since that printed edition, page by page
#   make largeprint              18 pt large-print PDF (EDITION=instructor for that edition's)
#   make bench                   timings vs naive     make clean
#   make bench BENCH_ARGS=--quick   one run of the 1x book only (see --help)

SHELL := /bin/bash
.DEFAULT_GOAL := all
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PAPER ?= a4
EDITION ?= student
export PAPER EDITION

# Same sources, same bytes: dates come from the last commit unless SOURCE_DATE_EPOCH is set.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH

BUILD := $(PY) -m studyguide.build

# Every build target calls the driver, which decides freshness itself: it digests the
# sources' paths and contents (so a deleted, renamed or just-edited file is never missed)
# and returns at once, without starting Sphinx, when nothing changed since the build that
# is published. The driver also takes the build folder's lock and publishes atomically.
FORMATS_all := html epub pdf
FORMATS_instructor := html pdf
EDITION_instructor := instructor

.PHONY: all html epub pdf instructor worksheets lms largeprint flashcards quiz errata test live bench clean venv test-deps

all html epub pdf largeprint instructor worksheets lms flashcards: $(VENV)/.installed
	@$(BUILD) $(or $(FORMATS_$@),$@) --edition $(or $(EDITION_$@),$(EDITION)) --paper $(PAPER)

# A quiz is small and depends on its own file too: it is simply rebuilt every time.
QUIZ ?= quizzes/example.yaml
quiz: $(VENV)/.installed
	$(BUILD) quiz --quiz $(QUIZ) --paper $(PAPER)

# `make errata FROM=edition-1.0`: for owners of that printed edition, every passage changed
# since, with its page in the old PDF (built from the tag in a git worktree) and the new text.
ifneq ($(filter errata,$(MAKECMDGOALS)),)
ifeq ($(FROM),)
$(error usage: make errata FROM=edition-<version> (git tag -l 'edition-*' lists them))
endif
endif
errata: $(VENV)/.installed
	$(PY) -m studyguide.revisions.errata $(FROM) --paper $(PAPER)

# The virtual environment: created when missing, refreshed when pyproject.toml changes.
venv: $(VENV)/.installed
# Building needs only the package and its dependencies; `make test`, `make live` and
# `make bench` add their own extras. The install is editable in setuptools' `compat` mode:
# a plain path entry to this checkout rather than an import hook, so that Sphinx, the
# spawned PDF workers and pytest all import the studyguide/ being edited, and its data
# files (templates, fonts, CSS) are read in place.
PIP := $(PY) -m pip install -q --disable-pip-version-check --config-settings editable_mode=compat
$(VENV)/.installed: pyproject.toml
	@bash tools/system-deps build
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	@touch $@
$(VENV)/.%-extra: $(VENV)/.installed
	$(PIP) -e '.[$*]'
	@touch $@

test-deps: $(VENV)/.test-extra $(VENV)/.live-extra  # the preview server is tested too
	@bash tools/system-deps test
	@$(MAKE) --no-print-directory $(VENV)/ace/.installed
	@$(MAKE) --no-print-directory $(VENV)/axe/.installed

# DAISY Ace (the EPUB accessibility checker), pinned in tools/ace; it drives Debian's
# Chromium, so no browser is downloaded (--ignore-scripts skips Puppeteer's and Electron's).
$(VENV)/ace/.installed: tools/ace/package.json tools/ace/package-lock.json
	@mkdir -p $(VENV)/ace && cp tools/ace/package.json tools/ace/package-lock.json $(VENV)/ace/
	cd $(VENV)/ace && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# axe-core, the accessibility engine the HTML tests inject into the page, pinned in tools/axe.
$(VENV)/axe/.installed: tools/axe/package.json tools/axe/package-lock.json
	@mkdir -p $(VENV)/axe && cp tools/axe/package.json tools/axe/package-lock.json $(VENV)/axe/
	cd $(VENV)/axe && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# Lint and format first (ruff, configured in pyproject.toml): `ruff format .` fixes the format.
test: test-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

# The warm preview on http://127.0.0.1:8000/ (LIVE_PORT=...); PDF=1 also lays out the edited
# chapter's pages of the PDF, linked from its page as "Print preview".
live: $(VENV)/.live-extra
	$(PY) -m studyguide.live --port $(or $(LIVE_PORT),8000)$(if $(PDF), --pdf)

# The benchmark runs the warm preview (the live extra) in Debian's Chromium, and Paged.js
# on Node: the system tools the tests need.
bench: $(VENV)/.bench-extra $(VENV)/.live-extra
	@bash tools/system-deps bench
	@$(MAKE) --no-print-directory $(VENV)/pagedjs/.installed
	$(PY) -m studyguide.bench $(BENCH_ARGS)

# Paged.js, a rival in make bench, pinned in tools/pagedjs; it runs on Debian's Chromium.
$(VENV)/pagedjs/.installed: tools/pagedjs/package.json tools/pagedjs/package-lock.json
	@mkdir -p $(VENV)/pagedjs && cp tools/pagedjs/package.json tools/pagedjs/package-lock.json $(VENV)/pagedjs/
	cd $(VENV)/pagedjs && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

clean:
	rm -rf _build book/_figures

# The front door. `make` builds the HTML, EPUB and PDF editions into _build/;
# `make test` runs every test. Both create .venv on first use.
#
#   make html | epub | pdf       one format          make PAPER=letter pdf   US Letter
#   make instructor              instructor HTML+PDF  make worksheets         per-chapter PDFs
#   make lms                     GIFT + Moodle XML    make live               preview on :8000
#   make largeprint              18 pt large-print PDF (EDITION=instructor for that edition's)
#   make flashcards              Anki deck, TSV and printable cards from the glossary
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

# Everything a build reads. Make compares these with the stamps below, so an unchanged
# tree rebuilds nothing without starting Sphinx at all.
SOURCES := conf.py pyproject.toml $(shell find book exercises studyguide -type f \
	-not -path 'book/_figures/*' -not -name '*.pyc' -not -path '*/__pycache__/*' 2>/dev/null)
BUILD := $(PY) -m studyguide.build
STAMPS := _build/.stamps

# A stamp stands only for outputs that still exist: deleting one makes `make` rebuild it.
$(foreach f,html/index.html epub/stalin-zhukov.epub pdf/stalin-zhukov.pdf,$(if $(wildcard _build/$(f)),,\
	$(shell rm -f $(STAMPS)/all-student-* $(STAMPS)/$(firstword $(subst /, ,$(f)))-student-*)))

.PHONY: all html epub pdf largeprint flashcards instructor worksheets lms test live bench clean venv test-deps

all: $(STAMPS)/all-$(EDITION)-$(PAPER)
html: $(STAMPS)/html-$(EDITION)-$(PAPER)
epub: $(STAMPS)/epub-$(EDITION)-$(PAPER)
pdf: $(STAMPS)/pdf-$(EDITION)-$(PAPER)

$(STAMPS)/all-%: $(SOURCES) $(VENV)/.installed
	$(BUILD) html epub pdf --edition $(EDITION) --paper $(PAPER)
	@mkdir -p $(STAMPS) && touch $@
$(STAMPS)/html-%: $(SOURCES) $(VENV)/.installed
	$(BUILD) html --edition $(EDITION) --paper $(PAPER)
	@mkdir -p $(STAMPS) && touch $@
$(STAMPS)/epub-%: $(SOURCES) $(VENV)/.installed
	$(BUILD) epub --edition $(EDITION) --paper $(PAPER)
	@mkdir -p $(STAMPS) && touch $@
$(STAMPS)/pdf-%: $(SOURCES) $(VENV)/.installed
	$(BUILD) pdf --edition $(EDITION) --paper $(PAPER)
	@mkdir -p $(STAMPS) && touch $@

largeprint: $(STAMPS)/largeprint-$(EDITION)-$(PAPER)
$(STAMPS)/largeprint-%: $(SOURCES) $(VENV)/.installed
	$(BUILD) largeprint --edition $(EDITION) --paper $(PAPER)
	@mkdir -p $(STAMPS) && touch $@

flashcards: $(STAMPS)/flashcards
$(STAMPS)/flashcards: $(SOURCES) $(VENV)/.installed
	$(BUILD) flashcards
	@mkdir -p $(STAMPS) && touch $@

instructor:
	$(MAKE) --no-print-directory EDITION=instructor $(STAMPS)/instructor-$(PAPER)
$(STAMPS)/instructor-%: $(SOURCES) $(VENV)/.installed
	$(BUILD) html pdf --edition instructor --paper $(PAPER)
	@mkdir -p $(STAMPS) && touch $@

worksheets: $(STAMPS)/worksheets-$(PAPER)
$(STAMPS)/worksheets-%: $(SOURCES) $(VENV)/.installed
	$(BUILD) worksheets --paper $(PAPER)
	@mkdir -p $(STAMPS) && touch $@

lms: $(STAMPS)/lms
$(STAMPS)/lms: $(SOURCES) $(VENV)/.installed
	$(BUILD) lms
	@mkdir -p $(STAMPS) && touch $@

# The virtual environment: created when missing, refreshed when pyproject.toml changes.
venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@bash tools/system-deps build
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,live]' --config-settings editable_mode=compat
	@touch $@

test-deps: $(VENV)/.installed
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

test: test-deps
	$(PY) -m pytest

live: $(VENV)/.installed
	$(VENV)/bin/sphinx-autobuild -c . -d _build/.work/live/doctrees --port 8000 \
		--watch exercises --watch studyguide book _build/live

bench: $(VENV)/.installed
	$(VENV)/bin/pip install -q --disable-pip-version-check -e '.[bench]' --config-settings editable_mode=compat
	$(PY) -m studyguide.bench $(BENCH_ARGS)

clean:
	rm -rf _build book/_figures

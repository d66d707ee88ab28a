# Backprop as Linear Algebra — the whole set-up is `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# The static site's browser files (widget renderer, require.js, MathJax), pinned by web/package-lock.json.
WEB_STAMP := web/node_modules/.installed
NPM    := $(shell command -v npm 2>/dev/null)

.PHONY: lab test notebooks figures student html lite bench lint clean help

help:
	@echo "make lab        open the course in JupyterLab (127.0.0.1, token login)"
	@echo "make test       unit/property tests, nbval on every notebook, browser test"
	@echo "make notebooks  re-execute every notebook in place (fresh kernel each)"
	@echo "make figures    regenerate figures/"
	@echo "make student    write student copies (solutions removed) to student/"
	@echo "make html       static site in html/ (stored outputs and widget state; reads offline)"
	@echo "make lite       the live course: a static JupyterLite site in lite/ (runs in the browser)"
	@echo "make bench      run every benchmark; one table of targets beside measured figures"
	@echo "make lint       ruff on course_lib, tests, benchmarks, tools and notebooks"

# The student set (requirements.txt) and, for tests, the maintainer set (requirements-dev.txt),
# installed by tools/setup_course.py: the same script a Windows user runs without make. It stops
# with one sentence when the Python is too old or cannot create a venv.
$(STAMP): requirements.txt pyproject.toml tools/setup_course.py
	$(PYTHON) tools/setup_course.py install

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PYTHON) tools/setup_course.py install-dev

# Installed once (and again when the pins change) from the npm registry; never at page load.
$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the static site's browser files (Debian: apt-get install nodejs npm)"; exit 1; }
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	touch $(WEB_STAMP)

# 127.0.0.1 only, token authentication, starting at lesson 00 (see tools/setup_course.py).
lab: $(STAMP)
	$(PYTHON) tools/setup_course.py lab

# With npm there, the static-site test gets its browser files; without, it skips.
test: $(DEV_STAMP) $(if $(NPM),$(WEB_STAMP))
	$(PY) -m pytest

notebooks: $(STAMP)
	$(PY) tools/run_notebooks.py notebooks/*.ipynb

figures: $(STAMP)
	$(PY) -m course_lib.figures figures

student: $(STAMP)
	$(PY) tools/make_student.py notebooks student

html: $(STAMP) $(WEB_STAMP)
	$(PY) tools/make_html.py html

# tools/make_lite.py checks its tools (jupyterlite from requirements-dev.txt, npm) and names any missing.
lite: $(DEV_STAMP)
	$(PY) tools/make_lite.py lite

bench: $(STAMP)
	$(PY) -m pip install -q -r benchmarks/requirements-bench.txt || echo "benchmark peers not installed; their rows say so"
	$(PY) benchmarks/run_all.py

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check course_lib tests benchmarks tools notebooks conftest.py

clean:
	rm -rf student screenshots html lite .pytest_cache .hypothesis .ruff_cache

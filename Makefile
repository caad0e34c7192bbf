# Liver Evidence Lab: thin wrappers, one line of logic each. Run `make help`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
PORT   ?= 8888

.PHONY: help env lab times sync-times test test-fast book book-student slides student solutions lint variants release grade bench lock clean

help:            ## list the targets
	@grep -E '^[a-z-]+:.*##' Makefile | sed 's/:.*##/\t/'

$(STAMP): requirements-lock.txt pyproject.toml tools/setup_env.sh tools/warm_bytecode.py
	PYTHON=$(PYTHON) bash tools/setup_env.sh && touch $(STAMP)

env: $(STAMP)    ## create or update .venv from the pinned lock

lab: $(STAMP)    ## open the course in JupyterLab at 00_start_here
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

test: $(STAMP)   ## the whole test suite: library, authoring checks, every notebook under nbval, site + browser
	$(PY) -m pytest -n 2 --dist loadscope -rs $(NBVAL) --doctest-modules liverlab tests solutions notebooks

test-fast: $(STAMP)  ## library and authoring tests only (no notebooks, no browser)
	$(PY) -m pytest -n 2 --dist loadscope --doctest-modules liverlab tests --ignore=tests/test_browser.py \
		--deselect tests/test_delivery.py::test_every_student_notebook_runs_from_the_copied_release

book: $(STAMP)       ## the course website, student + instructor editions, offline: _build/site/index.html
	$(PY) -m tools.book

book-student: $(STAMP)  ## the site to publish: student edition only, no link to the instructor edition: _build/site-student/
	$(PY) -m tools.book --student-only --out _build/site-student

slides: $(STAMP)     ## journal-club presenter pack, offline: _build/slides/ (reveal.js deck from notebook 07, handout)
	$(PY) -m tools.slides

student: $(STAMP)    ## generate notebooks/ from solutions/ (no execution)
	$(PY) -m tools.authoring student

solutions: $(STAMP)  ## execute solutions/ in place, record answer keys, regenerate notebooks/
	$(PY) -m tools.authoring solutions $(NB)

lint: $(STAMP)       ## structure, self-checks, freshness, leaks, honest times
	$(PY) -m tools.authoring lint

times: $(STAMP)      ## estimated minutes per notebook (core path and optional sections)
	$(PY) -m tools.authoring times

sync-times: $(STAMP) ## copy the cards' times into 00's course map, README and INSTRUCTORS (then make solutions NB=00)
	$(PY) -m tools.course_times

variants: $(STAMP)   ## N per-student variants with their answer keys in variants/ (make variants N=30 ROSTER=students.csv)
	$(PY) -m tools.variants $(or $(N),30) $(if $(NB),--notebooks $(NB)) $(if $(ROSTER),--roster $(ROSTER))

release: $(STAMP)    ## the student distribution in _build/release/ (no solutions), checked; VARIANTS=variants adds them; ASSESSED="02 04" [ALLOW_SAME="4.7"] for marks, FEEDBACK="02 04" after the deadline
	$(PY) -m tools.release $(if $(OUT),--out $(OUT)) $(if $(VARIANTS),--variants $(VARIANTS)) $(if $(ASSESSED),--assessed $(ASSESSED)) $(if $(FEEDBACK),--feedback $(FEEDBACK)) $(if $(ALLOW_SAME),--allow-same $(ALLOW_SAME))

grade: $(STAMP)      ## grade submitted notebooks in a sandbox: make grade SUBMISSIONS=DIR [NB=02] [ROSTER=roster.csv] [OUT=grading] [JOBS=2] [MARKS=grading/written_marks.csv] [NO_SANDBOX=1]
	$(PY) -m assessment.grade $(or $(SUBMISSIONS),$(error set SUBMISSIONS=DIR, the folder of submitted notebooks)) $(if $(NB),--notebook $(NB)) $(if $(ROSTER),--roster $(ROSTER)) $(if $(VARIANTS),--variants $(VARIANTS)) $(if $(OUT),--out $(OUT)) $(if $(JOBS),--jobs $(JOBS)) $(if $(MARKS),--marks $(MARKS)) $(if $(NO_SANDBOX),--no-sandbox)

bench: $(STAMP)      ## time the environment step, each notebook and the test suite
	$(PY) -m tools.bench

lock:                ## regenerate requirements-lock.txt from requirements.in (needs uv)
	uv pip compile requirements.in --universal --python-version 3.10 --no-emit-package rfc3987-syntax --no-header -o requirements-lock.txt
	uv pip compile requirements-runtime.in -c requirements-lock.txt --universal --python-version 3.10 --no-emit-package rfc3987-syntax --no-header -o requirements-runtime.txt

clean:               ## remove the environment and caches
	rm -rf $(VENV) .tools .pytest_cache .hypothesis bench/results variants

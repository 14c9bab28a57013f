# Tanzim: `make run` starts the embedded system, `make test` runs the whole suite.
# Both install what they need first (Debian packages, the virtualenv, Python packages).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# Python keeps the bytecode of what it imports (and pytest its rewritten test modules) in
# __pycache__, also where the environment says not to (PYTHONDONTWRITEBYTECODE=1): otherwise every
# test process compiled the modules it imports and rewrote the asserts of all 600 test modules again
# (about 6 of the 11 s a process took to collect the tests).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test coverage deps venv lock migrate seed lint format messages clean

# The embedded mode is opt-in: only this target sets it (docs/operations.md, "Runtime modes").
run: export TANZIM_EMBEDDED = 1
# Links in the demo's messages and documents point at the server this starts.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: deps venv
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: deps venv
	bash scripts/test.sh

# The same suite, with the PostgreSQL pass measuring which lines of tanzim/ the tests run
# (a pass ~28% slower; `.venv/bin/coverage html` then writes the report to htmlcov/).
coverage: deps venv
	COVERAGE=1 bash scripts/test.sh

deps:
	@bash scripts/system-deps.sh

venv: $(STAMP)

# Exactly the versions in requirements.lock, each checked against its hash, installed by uv (itself
# from the lock, by pip: 2-40 s against pip's 73 s, most of which was compiling every module to
# bytecode); then the project itself, built with the locked setuptools without resolving anything
# again. The lock is complete, so nothing is resolved (--no-deps), and `uv pip check` proves the set
# is consistent. Nothing is compiled ahead: see PYTHONDONTWRITEBYTECODE above.
$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	sed -n '/^uv==/,/# via/p' requirements.lock >$(VENV)/uv-requirement.txt
	$(PY) -m pip install -q --no-deps --require-hashes -r $(VENV)/uv-requirement.txt
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps --require-hashes -r requirements.lock
	$(VENV)/bin/uv pip check -q --python $(PY)
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After changing the dependencies in pyproject.toml: pin them again (Python 3.11, with hashes).
lock: venv
	$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --extra dev --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

migrate: venv
	$(PY) manage.py migrate

seed: venv
	$(PY) manage.py seed_demo

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: venv
	$(PY) manage.py makemessages -l fa -l en --ignore '.venv/*' --ignore 'var/*' --ignore 'tanzim/*/tests/*' --no-location
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf var/tanzim.sqlite3* var/static

# JADA Ops — the verbs people expect. Every target creates .venv and installs pinned requirements.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint fmt bench chaos install install-dev browser clean

# requirements.txt is what production runs; requirements-local.txt adds the AWS stand-in (moto),
# which `make run` and the tests need and the production image never installs.
$(VENV)/.installed: requirements.txt requirements-local.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-local.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed  ## the whole product on embedded defaults (SQLite, moto, no Redis)
	$(PY) scripts/run_local.py

test: $(VENV)/.installed-dev  ## the test suite (PostgreSQL/Redis where they answer on loopback)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

fmt: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed-dev  ## benchmarks (not part of make test); see docs/performance.md
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	cd bench/dynalite && npm ci --no-audit --no-fund --silent  # the DynamoDB stand-in (Node 20; pinned by its lockfile)
	$(PY) -m bench $(BENCH_ARGS)

# The fault drill (not part of make test; ~5–10 min): a throw-away database jada_chaos, its own
# redis-server on CHAOS_REDIS_PORT, real workers, every fault kind. See docs/booking-flow.md.
CHAOS_REDIS_PORT ?= 18301
chaos: $(VENV)/.installed-dev
	command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	env DJANGO_DEBUG=true JADA_IGNORE_DOTENV=true LOG_LEVEL=WARNING \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/jada_chaos \
	  REDIS_URL=redis://127.0.0.1:$(CHAOS_REDIS_PORT)/0 \
	  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
	  CREW_EVENTS_TABLE=scc-events-chaos \
	  $(PY) manage.py chaos --redis-port $(CHAOS_REDIS_PORT) $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

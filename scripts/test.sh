#!/usr/bin/env bash
# The whole test suite: SQLite, then PostgreSQL (a database of its own, created and dropped
# here), then lint and Django's checks. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}
DB_NAME="tanzim_test_$$_$(date +%s)"
status=0
started=$SECONDS
# Each step's heading says when it began (seconds since the start): where a run's time goes.
step() { printf '\n\033[1m== %s\033[0m (at %d s)\n' "$*" $((SECONDS - started)); }
fail() { echo "FAILED: $*"; status=1; }

ensure_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    echo "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  fi
}

# The PostgreSQL pass's environment (its database URL is given with each use).
pg_env() {
  env -u REDIS_URL SECRET_KEY="test-only-$DB_NAME" TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
    CELERY_TASK_ALWAYS_EAGER=true "$@"
}

TEMPLATES=$(mktemp -d /dev/shm/tanzim-test.XXXXXX 2>/dev/null || mktemp -d)
PG_TEMPLATE="${DB_NAME}_template"
# Migrated templates kept between runs on this machine (below).
TEMPLATE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/tanzim/templates"
PG_CACHED_PREFIX="tanzim_tpl_"

# Keeps the 4 templates used last (a SQLite file and a PostgreSQL database each), drops the others.
prune_templates() {
  [ -d "$TEMPLATE_CACHE" ] || return 0
  local keep
  keep=$(ls -t "$TEMPLATE_CACHE"/*.sqlite3 2>/dev/null | head -4 | xargs -r -n1 basename |
    sed -e 's/\.sqlite3$//' -e "s/^/$PG_CACHED_PREFIX/" | paste -sd, -)
  ls -t "$TEMPLATE_CACHE"/*.sqlite3 2>/dev/null | tail -n +5 | while read -r old; do rm -f "$old"*; done
  $PY scripts/pgdb.py prune "$PG_BASE/$PG_CACHED_PREFIX" "$PG_ADMIN_URL" "$keep" >/dev/null 2>&1 || true
}
cleanup() {
  for db in "$DB_NAME" "$PG_TEMPLATE"; do
    $PY scripts/pgdb.py drop "$PG_BASE/$db" "$PG_ADMIN_URL" >/dev/null 2>&1 || true
  done
  [ -n "$KEY" ] && prune_templates
  rm -rf "$TEMPLATES"
}
KEY=""
trap cleanup EXIT

# Each test process would apply every migration to its own database (about 45 s a process, most
# of it Django rendering model states). Instead one template per database is migrated here, on the
# core the static checks leave idle, and the test processes start from copies of it
# (TANZIM_TEST_DB_TEMPLATE; config/test_settings.py). A template that fails is left out and the
# tests migrate as before, showing the error themselves.
#
# The templates are kept on this machine between runs (a SQLite file in $TEMPLATE_CACHE, a database
# tanzim_tpl_<key>), named by a hash of every file that can change what migrating writes: each file
# of the tree but the tests, the docs and the benchmarks, and the Python that runs them. A clone of
# code this machine has migrated before (CI's clean clone of what a session last ran) migrates
# nothing, which saved two migrations of ~28 CPU s each; any other change migrates afresh.
# TANZIM_TEST_TEMPLATE_CACHE=0 turns the cache off.
template_key() {
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 || return 1
  {
    git ls-files -z --cached --others --exclude-standard |
      grep -zv -e '/tests/' -e '^docs/' -e '^bench/' -e '\.md$' | sort -z | xargs -0 sha256sum 2>/dev/null
    $PY -VV
  } | sha256sum | cut -c1-16
}
if [ "${TANZIM_TEST_TEMPLATE_CACHE:-1}" = 1 ]; then KEY=$(template_key) || KEY=""; fi

ensure_services
# Each job writes the template it made (a file, a database's name) to $TEMPLATES/<database>.name.
if [ -n "$KEY" ] && [ -s "$TEMPLATE_CACHE/$KEY.sqlite3" ]; then
  touch "$TEMPLATE_CACHE/$KEY.sqlite3"
  (echo "the template migrated earlier ($KEY)" && echo "$TEMPLATE_CACHE/$KEY.sqlite3" >"$TEMPLATES/sqlite.name") \
    >"$TEMPLATES/sqlite.log" 2>&1 &
else
  (
    TANZIM_EMBEDDED=1 DATABASE_URL="sqlite:///$TEMPLATES/template.sqlite3" \
      $PY manage.py migrate --settings=config.test_settings -v0 &&
      echo "$TEMPLATES/template.sqlite3" >"$TEMPLATES/sqlite.name" &&
      if [ -n "$KEY" ]; then
        mkdir -p "$TEMPLATE_CACHE" && cp "$TEMPLATES/template.sqlite3" "$TEMPLATE_CACHE/.$KEY.$$" &&
          mv -f "$TEMPLATE_CACHE/.$KEY.$$" "$TEMPLATE_CACHE/$KEY.sqlite3"
      fi
  ) >"$TEMPLATES/sqlite.log" 2>&1 &
fi
sqlite_template=$!
if [ -n "$KEY" ] && $PY scripts/pgdb.py exists "$PG_BASE/$PG_CACHED_PREFIX$KEY" "$PG_ADMIN_URL" 2>/dev/null; then
  echo "$PG_CACHED_PREFIX$KEY" >"$TEMPLATES/postgresql.name"
  true &
else
  (
    $PY scripts/pgdb.py create "$PG_BASE/$PG_TEMPLATE" "$PG_ADMIN_URL" &&
      pg_env DATABASE_URL="$PG_BASE/$PG_TEMPLATE" $PY manage.py migrate --settings=config.test_settings -v0 &&
      # Kept under its key unless another run got there first (this run then uses its own).
      if [ -n "$KEY" ] &&
        $PY scripts/pgdb.py rename "$PG_BASE/$PG_TEMPLATE" "$PG_ADMIN_URL" "$PG_CACHED_PREFIX$KEY"; then
        echo "$PG_CACHED_PREFIX$KEY" >"$TEMPLATES/postgresql.name"
      else
        echo "$PG_TEMPLATE" >"$TEMPLATES/postgresql.name"
      fi
  ) >"$TEMPLATES/postgresql.log" 2>&1 &
fi
pg_template=$!

# Waits for the template job of database $2 (pid $1): TEMPLATE_ENV names its template if it was made.
template_for() {
  TEMPLATE_ENV="TANZIM_TEST_DB_TEMPLATE="
  if wait "$1" && [ -s "$TEMPLATES/$2.name" ]; then
    TEMPLATE_ENV="TANZIM_TEST_DB_TEMPLATE=$(cat "$TEMPLATES/$2.name")"
  else
    echo "The template database could not be migrated (the tests migrate their own):"
    cat "$TEMPLATES/$2.log"
  fi
}

step "Django checks"
$PY manage.py check --fail-level WARNING || fail "manage.py check"
$PY manage.py makemigrations --check --dry-run || fail "missing migrations"
$PY manage.py compilemessages --ignore '.venv/*' -v0 || fail "compilemessages"
schema_file=$(mktemp --suffix=.yml)
$PY manage.py spectacular --validate --fail-on-warn --file "$schema_file" || fail "OpenAPI schema warnings"
rm -f "$schema_file"
# mypy's cache is the user's, shared by every clone on the machine (pyproject's var/mypy-cache is
# for mypy run by hand): it checks each cached module against its file's hash, so another clone's
# results stand where the code is the same. A fresh clone then takes ~2 s here instead of ~45 s.
MYPY_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tanzim/mypy" .venv/bin/mypy || fail "mypy (types)"

step "Lint (ruff)"
.venv/bin/ruff check . || fail "ruff check"
.venv/bin/ruff format --check . || fail "ruff format"

step "Tests on SQLite"
# Tests run in a random order (pytest-randomly; the seed is printed below and --randomly-seed=N
# replays an order). Each pass lists its 25 slowest tests at its end: where the suite's time goes.
# The PostgreSQL pass runs every test. The SQLite pass (--database-only, tanzim/conftest.py) runs
# the tests that use the database, browser tests left out: a test that never reaches the database
# cannot tell the passes apart, and the browser tests drive the pages the page tests render in both
# (774 of 3,382 tests on 5 December 2026: 57% of the SQLite pass's test time).
# Coverage is measured only when asked (COVERAGE=1, `make coverage`), by the PostgreSQL pass:
# measuring it costs a pass ~28% more time (tanzim/cases: 99 → 127 s; the whole pass ~4 minutes).
# --dist worksteal: a process that runs out of tests takes some of the other's. With xdist's default
# each process keeps the tests it was handed, and one ran alone for the last ~3 minutes of a pass.
# The passes run one after the other: side by side (two processes each) a quiet fresh clone took
# 1,104 s for both, against 1,065 s one after the other (on the code before): no gain, more load.
# The order's seed is chosen here and printed: -q hides pytest-randomly's own header line.
SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
echo "Random order: --randomly-seed=$SEED (scripts/test.sh --randomly-seed=$SEED replays it)"
OPTS="--durations=25 --dist worksteal --randomly-seed=$SEED"
COV=""
if [ "${COVERAGE:-0}" = "1" ]; then COV="--cov --cov-config=pyproject.toml --cov-report="; fi
template_for $sqlite_template sqlite
env -u DATABASE_URL "$TEMPLATE_ENV" $PY -m pytest -q -n 2 --database-only $OPTS "$@" || fail "tests on SQLite"

step "Tests on PostgreSQL ($DB_NAME)"
pg_template_made=""
ensure_services
if $PY scripts/pgdb.py create "$PG_BASE/$DB_NAME" "$PG_ADMIN_URL"; then
  # Each test process keeps its own in-memory cache (rate limits, lock-outs), so parallel workers
  # never clear each other's counters. Tests of Redis itself (counters, the Celery broker with a
  # real worker) use TEST_REDIS_URL under key prefixes and queues of their own.
  template_for $pg_template postgresql
  pg_template_made=${TEMPLATE_ENV#TANZIM_TEST_DB_TEMPLATE=}
  pg_env DATABASE_URL="$PG_BASE/$DB_NAME" "$TEMPLATE_ENV" $PY -m pytest -q -n 2 $OPTS $COV "$@" || fail "tests on PostgreSQL"
else
  fail "could not create a PostgreSQL database"
fi

step "Deployment checks with deploy/production.env.example (the test database, the local Redis)"
# The documented production settings must pass Django's and Tanzim's deployment checks with no
# warning (and reach the database); the secrets they read from files are throw-away ones here.
secrets_dir=$(mktemp -d)
$PY -c 'import secrets; print(secrets.token_urlsafe(64))' >"$secrets_dir/secret_key"
echo "ci-only-sms-gateway-token" >"$secrets_dir/sms_token"
echo "ci-only-finance-gateway-secret" >"$secrets_dir/gateway_secret"
$PY -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())' \
  >"$secrets_dir/field_keys"
(
  set -a
  # shellcheck disable=SC1091
  . deploy/production.env.example
  set +a
  unset TANZIM_EMBEDDED
  export DATABASE_URL="$PG_BASE/$DB_NAME" REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}" \
    SECRET_KEY_FILE="$secrets_dir/secret_key" SMS_GATEWAY_TOKEN_FILE="$secrets_dir/sms_token" \
    FINANCE_GATEWAY_SECRET_FILE="$secrets_dir/gateway_secret" FIELD_ENCRYPTION_KEYS_FILE="$secrets_dir/field_keys"
  $PY manage.py check --deploy --fail-level WARNING --database default
) || fail "manage.py check --deploy with deploy/production.env.example"
rm -rf "$secrets_dir"

step "Production smoke test: gunicorn, a Celery worker and beat over HTTP (scripts/prod_smoke.sh)"
# The production stack booted from deploy/entrypoint.sh with the production settings, its own
# database and Redis database number; only once everything above passed (docs/operations.md).
if [ $status -eq 0 ]; then
  ensure_services
  # Its database starts as a copy of the migrated template (when there is one): the migrations
  # were applied to an empty database at the start of this run already.
  SMOKE_DB_TEMPLATE=$pg_template_made bash scripts/prod_smoke.sh || fail "production smoke test"
else
  echo "Not run: an earlier step failed."
fi

if [ -n "$COV" ]; then
  step "Coverage of tanzim/ by the PostgreSQL pass (migrations and tests left out)"
  echo "$($PY -m coverage report --format=total)% of the lines"
fi

if [ $status -eq 0 ]; then step "All green"; else step "Some steps failed"; fi
exit $status

#!/usr/bin/env bash
# The production smoke test: the production stack booted from deploy/entrypoint.sh as a site runs it
# (not the embedded mode), then driven over HTTP by scripts/prod_smoke.py. scripts/test.sh runs it
# after the tests; `bash scripts/prod_smoke.sh` runs it alone. docs/operations.md, "The production
# smoke test".
#
# - its own PostgreSQL database (scripts/pgdb.py; dropped at the end) and its own Redis database
#   number (SMOKE_REDIS_DB, default 13; emptied before and after); with SMOKE_DB_TEMPLATE (a database
#   already migrated, as scripts/test.sh's template is) the database starts as a copy of it and
#   migrate finds nothing to apply: the same release step, without the ~70 s of migrating again;
# - a local SMS provider (tanzim/testing/sms_server.py) behind HttpSmsGateway, with a token;
# - deploy/production.env.example's settings, pointed at these services and throw-away secrets; the
#   bank, identity registry and judiciary are the simulated ones the example allows on a staging site;
# - migrate and collectstatic, one office (prod_smoke.py setup), then gunicorn, a Celery worker and
#   beat through deploy/entrypoint.sh, each in a process group of its own;
# - prod_smoke.py run: sign-up and OTP sign-in, a booking, a payment with its signed callback, a PDF
#   rendered by the worker; then everything is stopped (TERM, then KILL for a group that lingers).
# Exits non-zero on any failure, printing the processes' logs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN_URL%/*}
REDIS_BASE=${SMOKE_REDIS_BASE:-redis://127.0.0.1:6379}
REDIS_DB=${SMOKE_REDIS_DB:-13}
DB_NAME="tanzim_smoke_$$_$(date +%s)"
work=$(mktemp -d -t tanzim-smoke.XXXXXX)
pids=()
groups=""  # name:process-group pairs, for a STACK_RUN driver
started_at=$(date +%s)

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
redis_flush() { "$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_BASE/$REDIS_DB"; }
elapsed() { echo "$(( $(date +%s) - started_at )) s"; }

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  pids=()
}

cleanup() {
  local status=$?
  stop_all
  if [ $status -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] || continue
      echo "--- $(basename "$log") (last 40 lines)"
      tail -n 40 "$log"
    done
  fi
  "$PY" scripts/pgdb.py drop "$PG_BASE/$DB_NAME" "$PG_ADMIN_URL" >/dev/null 2>&1 || true
  redis_flush >/dev/null 2>&1 || true
  rm -rf "$work"
  if [ $status -eq 0 ]; then echo "Production smoke test passed in $(elapsed)"; else echo "Production smoke test FAILED after $(elapsed)"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start a process in a group of its own (setsid), so stopping it stops its children too.
spawn() {
  local name=$1
  shift
  setsid "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  groups+="$name:$! "
}

wait_for_port_file() {
  for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "timed out waiting for $1" >&2
  return 1
}

"$PY" scripts/pgdb.py create "$PG_BASE/$DB_NAME" "$PG_ADMIN_URL" "${SMOKE_DB_TEMPLATE:-}"
redis_flush

# --- the settings: the documented production set, pointed at this machine --------------------
mkdir -p "$work/secrets" "$work/var"
"$PY" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$work/secrets/secret_key"
"$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$work/secrets/sms_token"
"$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$work/secrets/gateway_secret"
set -a
# shellcheck disable=SC1091
. deploy/production.env.example
set +a
unset TANZIM_EMBEDDED CELERY_BROKER_URL
web_port=$(free_port)
export DJANGO_SETTINGS_MODULE=config.settings \
  DATABASE_URL="$PG_BASE/$DB_NAME" \
  REDIS_URL="$REDIS_BASE/$REDIS_DB" \
  SECRET_KEY_FILE="$work/secrets/secret_key" \
  SMS_GATEWAY_TOKEN_FILE="$work/secrets/sms_token" \
  FINANCE_GATEWAY_SECRET_FILE="$work/secrets/gateway_secret" \
  TANZIM_VAR_DIR="$work/var" MEDIA_ROOT="$work/var/media" BACKUP_DIR="$work/var/backups" \
  BIND="127.0.0.1:$web_port" WEB_WORKERS="${WEB_WORKERS:-2}" WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-2}" GUNICORN_TMP_DIR="$work" \
  BEAT_SCHEDULE_FILE="$work/celerybeat-schedule" LOG_LEVEL=WARNING CELERY_LOG_LEVEL=WARNING PYTHON="$PY"
# Field encryption keys (when this version has them): a new key for this run.
unset FIELD_ENCRYPTION_KEYS_FILE
if "$PY" -c "import django; django.setup(); from tanzim.common.crypto import generate_key; print(generate_key())" \
  >"$work/secrets/field_keys" 2>"$work/keys.log"; then
  export FIELD_ENCRYPTION_KEYS_FILE="$work/secrets/field_keys"
fi

# --- the SMS provider, the database, the static files, the office ------------------------------
spawn sms "$PY" -m tanzim.testing.sms_server --port-file "$work/sms.port" --token-file "$work/secrets/sms_token"
wait_for_port_file "$work/sms.port"
sms_url="http://127.0.0.1:$(cat "$work/sms.port")"
export SMS_GATEWAY_URL="$sms_url/v1/sms"

echo "  migrate ($DB_NAME, Redis database $REDIS_DB), collectstatic alongside"
# The static files (hashed and compressed, as a release collects them) need no database.
"$PY" manage.py collectstatic --noinput -v0 >"$work/collectstatic.log" 2>&1 &
collect=$!
deploy/entrypoint.sh migrate -v0
echo "  migrated after $(elapsed)"
# The worker and beat boot while the office is set up and the static files are finished.
spawn worker deploy/entrypoint.sh worker
spawn beat deploy/entrypoint.sh beat
"$PY" scripts/prod_smoke.py setup
wait "$collect" || { echo "collectstatic failed" >&2; exit 1; }
echo "  set up and static files collected after $(elapsed)"

# --- the stack -----------------------------------------------------------------------------------
spawn web deploy/entrypoint.sh web
for _ in $(seq 1 120); do
  "$PY" -c "import http.client, sys
c = http.client.HTTPConnection('127.0.0.1', $web_port, timeout=2)
c.request('GET', '/healthz', headers={'Host': '${ALLOWED_HOSTS%%,*}'})
sys.exit(c.getresponse().status != 200)" 2>/dev/null && break
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a process of the stack exited" >&2; exit 1; }; done
  sleep 0.5
done
echo "  gunicorn answers on 127.0.0.1:$web_port after $(elapsed)"

if [ -n "${STACK_RUN:-}" ]; then
  # Another driver on the same stack (bench/load/run.sh): it gets the addresses and process groups.
  STACK_BASE_URL="http://127.0.0.1:$web_port" STACK_SMS_URL="$sms_url" STACK_WORK="$work" \
    STACK_GROUPS="$groups" $STACK_RUN
else
  "$PY" scripts/prod_smoke.py run --base "http://127.0.0.1:$web_port" --sms "$sms_url"
fi

# --- a clean stop: every process ends on TERM ----------------------------------------------------
for pid in "${pids[@]}"; do kill -TERM -- "-$pid"; done
for pid in "${pids[@]}"; do
  for _ in $(seq 1 60); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 -- "-$pid" 2>/dev/null; then echo "process group $pid did not stop on TERM within 30 s" >&2; exit 1; fi
done
pids=()

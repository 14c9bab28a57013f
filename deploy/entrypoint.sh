#!/usr/bin/env bash
# The one way a Tanzim process starts: the container image (ENTRYPOINT), the systemd units and the
# CI's production smoke test (scripts/prod_smoke.sh) all call it.
#
#   deploy/entrypoint.sh web       gunicorn, serving config.wsgi (which refuses an unsafe site)
#   deploy/entrypoint.sh worker    a Celery worker (deployment checks first)
#   deploy/entrypoint.sh beat      Celery beat, exactly one per site (deployment checks first)
#   deploy/entrypoint.sh migrate   apply migrations (once per release, before new web nodes serve)
#   deploy/entrypoint.sh check     manage.py check --deploy (what worker and beat run first)
#   deploy/entrypoint.sh manage …  any manage.py command (backup, restore, audit_verify, …)
#
# Everything else comes from the environment (docs/operations.md, "Settings"; a value may be
# given as NAME_FILE, a path to a file holding it). Process-level knobs read here:
#   PYTHON             the interpreter (default: .venv/bin/python beside the code, else python3)
#   BIND               web: address and port (default 0.0.0.0:8000)
#   WEB_WORKERS        web: gunicorn worker processes (default 2 × CPUs + 1, at most 8)
#   WEB_TIMEOUT        web: seconds before gunicorn kills a stuck worker (default 60)
#   FORWARDED_ALLOW_IPS  web: the reverse proxy's addresses, trusted for X-Forwarded-* (default 127.0.0.1)
#   WEB_MAX_REQUESTS, WEB_MAX_REQUESTS_JITTER  web: a worker is replaced after 5000 ± 500 requests
#                      (these and TANZIM_TRACEMALLOC: deploy/gunicorn.conf.py, docs/operations.md "Memory")
#   GUNICORN_CMD_ARGS  web: any further gunicorn option (gunicorn reads it itself)
#   WORKER_CONCURRENCY worker: processes (default: CPUs)
#   CELERY_QUEUES      worker: queues to consume, comma-separated (default: all of them, $all_queues
#                      below; CELERY_QUEUES=sms for a dedicated worker, docs/scaling.md). WORKER_QUEUES: the same
#   CELERY_LOG_LEVEL   worker and beat: Celery's log level (default info)
#   BEAT_SCHEDULE_FILE beat: where beat keeps its last-run times (default $TANZIM_VAR_DIR/celerybeat-schedule)
# Each process is exec'd, so it gets the signals (SIGTERM: gunicorn and Celery finish what they do).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
cpus=$(nproc 2>/dev/null || echo 1)
# Every queue of config/settings.py's TASK_QUEUE_NAMES (a test holds them equal).
all_queues="default,sms,pdf,ranking,sweeps"
var_dir=${TANZIM_VAR_DIR:-$PWD/var}

deploy_checks() {
  # Celery does not run config/wsgi.py's start-up refusal: the same checks, before it starts.
  "$PYTHON" manage.py check --deploy --fail-level ERROR
}

role=${1:-}
[ $# -gt 0 ] && shift
case "$role" in
  web)
    default_workers=$((cpus * 2 + 1))
    [ "$default_workers" -gt 8 ] && default_workers=8
    exec "$PYTHON" -m gunicorn config.wsgi \
      --config deploy/gunicorn.conf.py \
      --bind "${BIND:-0.0.0.0:8000}" \
      --workers "${WEB_WORKERS:-$default_workers}" \
      --timeout "${WEB_TIMEOUT:-60}" \
      --graceful-timeout 30 \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
      --worker-tmp-dir "${GUNICORN_TMP_DIR:-/dev/shm}" \
      --no-control-socket \
      "$@"
    ;;
  worker)
    deploy_checks
    exec "$PYTHON" -m celery -A config worker \
      -l "${CELERY_LOG_LEVEL:-info}" \
      --concurrency "${WORKER_CONCURRENCY:-$cpus}" \
      -Q "${CELERY_QUEUES:-${WORKER_QUEUES:-$all_queues}}" "$@"
    ;;
  beat)
    deploy_checks
    mkdir -p "$var_dir"
    exec "$PYTHON" -m celery -A config beat \
      -l "${CELERY_LOG_LEVEL:-info}" \
      -s "${BEAT_SCHEDULE_FILE:-$var_dir/celerybeat-schedule}" \
      "$@"
    ;;
  migrate)
    exec "$PYTHON" manage.py migrate --noinput "$@"
    ;;
  check)
    exec "$PYTHON" manage.py check --deploy --fail-level ERROR "$@"
    ;;
  manage)
    exec "$PYTHON" manage.py "$@"
    ;;
  *)
    echo "usage: $0 web|worker|beat|migrate|check|manage [arguments…]" >&2
    exit 64
    ;;
esac

#!/usr/bin/env bash
# The national-day load test against the production stack on this machine (docs/scaling.md, "Load"):
# scripts/prod_smoke.sh boots gunicorn, a Celery worker and beat on PostgreSQL and Redis with the
# production settings, then runs bench/load/drive.sh instead of the smoke client.
#   bash bench/load/run.sh                      # 32 citizens: 3 minutes, then a 10-minute soak
#   LOAD_USERS=64 LOAD_DURATION=2m LOAD_SOAK=0 bash bench/load/run.sh
# Figures land in var/load/ (locust's CSV per route, the soak's samples).
set -euo pipefail
cd "$(dirname "$0")/../.."
export STACK_RUN="bash bench/load/drive.sh" WEB_WORKERS=${WEB_WORKERS:-4}
# Every simulated citizen comes from an address of its own, as behind the national proxy.
export CLIENT_IP_HEADER=HTTP_X_FORWARDED_FOR CLIENT_IP_PROXY_COUNT=1
exec bash scripts/prod_smoke.sh

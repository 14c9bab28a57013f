#!/usr/bin/env bash
# The security probe of issue 13, re-run against the production stack on this machine (docs/scaling.md,
# "Security probe"): scripts/prod_smoke.sh boots gunicorn, a Celery worker and beat on PostgreSQL and
# Redis with the production settings, then runs bench/probe/drive.sh instead of the smoke client.
#   bash bench/probe/run.sh                          # about 6,000 requests, then schemathesis
#   PROBE_SCHEMATHESIS=0 bash bench/probe/run.sh     # without schemathesis
#   PROBE_SCHEMA_EXAMPLES=50 bash bench/probe/run.sh # more schemathesis cases per operation
# Prints one table (requests, leaks, 5xx and oracles per persona; callbacks; bookings; verify;
# schemathesis) and exits non-zero if the probe found anything.
set -euo pipefail
cd "$(dirname "$0")/../.."
export STACK_RUN="bash bench/probe/drive.sh" WEB_WORKERS=${WEB_WORKERS:-3}
# Each persona comes from an address of its own, as behind the national proxy.
export CLIENT_IP_HEADER=HTTP_X_FORWARDED_FOR CLIENT_IP_PROXY_COUNT=1
exec bash scripts/prod_smoke.sh

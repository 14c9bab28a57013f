#!/usr/bin/env bash
# Run by scripts/prod_smoke.sh (STACK_RUN) once the production stack answers: the data, a load of
# LOAD_USERS citizens for LOAD_DURATION (figures per route), then a soak of LOAD_SOAK at the same load
# with the stack's memory and PostgreSQL connections sampled every LOAD_SAMPLE seconds.
# STACK_BASE_URL, STACK_SMS_URL, STACK_WORK and STACK_GROUPS (name:pgid ...) come from the stack.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
USERS=${LOAD_USERS:-32}
out=${LOAD_OUT:-var/load}
mkdir -p "$out"
export LOAD_SMS_URL="$STACK_SMS_URL" LOAD_SURVEY_TOKENS="$STACK_WORK/survey-tokens"

"$PY" bench/load/setup.py "$STACK_WORK/survey-tokens-all"
# The load and the soak answer different invitations (an invitation is answered once).
head -n 1000 "$STACK_WORK/survey-tokens-all" >"$STACK_WORK/survey-tokens"

locust() {
  .venv/bin/locust -f bench/load/locustfile.py --headless --host "$STACK_BASE_URL" -u "$USERS" \
    -r "$USERS" --only-summary --csv "$out/$1" --run-time "$2" --stop-timeout 10 2>&1 | tail -n 40
}

echo "== load: $USERS citizens for ${LOAD_DURATION:-3m}"
locust day "${LOAD_DURATION:-3m}"

sample() {
  local rss=0 name pgid kb
  for entry in $STACK_GROUPS; do
    name=${entry%%:*} pgid=${entry##*:}
    kb=$(ps -o rss= -g "$pgid" 2>/dev/null | awk '{s+=$1} END {print s+0}')
    rss=$((rss + kb))
    printf '%s=%d MB ' "$name" $((kb / 1024))
  done
  conns=$("$PY" -c "import os, psycopg; c = psycopg.connect(os.environ['DATABASE_URL']); print(c.execute('select count(*) from pg_stat_activity where datname = current_database()').fetchone()[0] - 1)")
  echo "total=$((rss / 1024)) MB postgres_connections=$conns"
}

[ "${LOAD_SOAK:-10m}" = 0 ] && exit 0

echo "== soak: $USERS citizens for ${LOAD_SOAK:-10m}, sampled every ${LOAD_SAMPLE:-30} s"
tail -n +1001 "$STACK_WORK/survey-tokens-all" >"$STACK_WORK/survey-tokens"
locust soak "${LOAD_SOAK:-10m}" >"$out/soak-summary.txt" &
soak=$!
while kill -0 "$soak" 2>/dev/null; do
  echo "$(date +%T) $(sample)" | tee -a "$out/soak-samples.txt"
  sleep "${LOAD_SAMPLE:-30}"
done
wait "$soak"
status=$?
cat "$out/soak-summary.txt"
exit $status

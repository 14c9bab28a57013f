#!/usr/bin/env bash
# Run by scripts/prod_smoke.sh (STACK_RUN) once the production stack answers: the probe's data
# (bench/probe/worlds.py), then the probe (bench/probe/probe.py). STACK_BASE_URL and STACK_WORK come
# from the stack; the settings are the stack's.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
"$PY" bench/probe/worlds.py "$STACK_WORK/probe.json"
"$PY" bench/probe/probe.py "$STACK_WORK/probe.json"

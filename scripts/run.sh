#!/usr/bin/env bash
# The main job: installs urbanchain and writes the Red River Delta outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-outputs/red-river-delta}
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q ".[excel]"
.venv/bin/urbanchain run --region red-river-delta --out "$OUT" --overwrite

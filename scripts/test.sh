#!/usr/bin/env bash
# The test command: installs everything the tests need (Debian's chromium included)
# and runs the whole suite: lint, types, import hygiene, tests with coverage.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: chromium (browser tests), PostgreSQL with PostGIS
# (the PostGIS round trips start a throwaway cluster on a local socket, tests/_pg.py).
APT_NEED=()
command -v chromium >/dev/null 2>&1 || APT_NEED+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || APT_NEED+=(postgresql)
compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null \
  || APT_NEED+=(postgresql-postgis)
if [ ${#APT_NEED[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${APT_NEED[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${APT_NEED[@]}" >/dev/null
fi
# QGIS (headless, Debian's python3-qgis) opens the styled GeoPackages in tests/test_qgis.py
if ! /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1; then
  echo "== installing Debian's python3-qgis (headless QGIS for the GeoPackage style test)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  [ ${#APT_NEED[@]} -gt 0 ] || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    python3-qgis qgis-providers >/dev/null
fi
# the PostGIS tests fail (instead of skipping) if the server cannot start here
export URBANCHAIN_REQUIRE_POSTGIS=1 URBANCHAIN_REQUIRE_QGIS=1

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,bench]"

echo "== ruff"
.venv/bin/ruff check src tests scripts benchmarks
echo "== mypy"
.venv/bin/mypy
echo "== import hygiene"
.venv/bin/python -Werror -c "import urbanchain"
echo "== docs (warnings are errors)"
.venv/bin/sphinx-build -q -E -W --keep-going -b html docs docs/_build/html
echo "== pytest"
.venv/bin/python -m pytest --cov=urbanchain --cov-report=term:skip-covered --doctest-modules src/urbanchain tests "$@"

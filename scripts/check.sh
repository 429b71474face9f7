#!/usr/bin/env bash
# Lint, type-check and run the whole test suite (needs root: tests start real, isolated
# Postfix instances).  Expects ./scripts/setup.sh --dev to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff check";        ruff check mailq_tui tests bench scripts
echo "== ruff format";       ruff format --check mailq_tui tests bench scripts
echo "== mypy";              mypy
echo "== import contracts";  lint-imports --no-cache
echo "== pytest";            pytest -q "$@"

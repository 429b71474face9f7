#!/usr/bin/env bash
# One command: set everything up (postfix, venv, dev tools) and run lint, types and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
bash scripts/check.sh "$@"

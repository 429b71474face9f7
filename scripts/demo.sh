#!/usr/bin/env bash
# One command: set everything up and open the app on a throwaway demo Postfix instance.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/mailq-tui demo "$@"

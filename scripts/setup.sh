#!/usr/bin/env bash
# Set up mailq-tui on a Debian machine, as root: Debian's postfix package (non-interactively,
# "No configuration", so the machine's own mail setup is left alone), Python with venv, and
# the package in ./.venv.  With --dev also the test and lint tools.
set -euo pipefail
cd "$(dirname "$0")/.."

want_dev=0
[ "${1:-}" = "--dev" ] && want_dev=1

missing=()
command -v postqueue >/dev/null 2>&1 || [ -x /usr/sbin/postqueue ] || missing+=(postfix)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v useradd >/dev/null 2>&1 || missing+=(passwd)
# The man page test renders man/mailq-tui.1 with groff (man-db's formatter).
if [ "$want_dev" -eq 1 ] && ! command -v groff >/dev/null 2>&1; then missing+=(groff-base); fi
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: need root to install: ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if [ "$want_dev" -eq 1 ]; then
    .venv/bin/python -m pip install -q -e ".[dev]"
else
    .venv/bin/python -m pip install -q -e .
fi
# -d: the compiled-in version, which postconf prints also with no main.cf ("No configuration").
echo "setup: ready ($(.venv/bin/python --version), $(/usr/sbin/postconf -d -h mail_version 2>/dev/null | sed 's/^/Postfix /'))"

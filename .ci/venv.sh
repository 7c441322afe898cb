#!/bin/sh
# Make .venv (a virtual environment beside this script's repository) and install symconv into it,
# editable, with the extras given (none: the main install; "test": what the tests need).
#
# Works with any python3 >= 3.11, Debian's included: Debian's python3 refuses `pip install`
# outside a venv (PEP 668, "externally-managed-environment") and has no venv module until the
# package python3-venv is installed, which this script then installs (as root, or with sudo).
# The venv sees the system's site-packages, so what is installed there already (torch, say) is
# used, not downloaded again.
set -eu
cd "$(dirname "$0")/.."
extras="${1:-}"

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "symconv needs Python >= 3.11; python3 is $(python3 -V 2>&1)" >&2
  exit 1
}

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  # Debian and Ubuntu package venv and ensurepip apart from python3
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null; then
    as_root="sudo"
  else
    echo "python3 has no venv module: install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
  echo "installing python3-venv (python3 -m venv needs it here)" >&2
  $as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends \
    python3-venv >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv --system-site-packages .venv
.venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"

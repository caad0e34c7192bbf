#!/usr/bin/env bash
# Create or update the course's virtual environment (.venv) from the pinned lock.
# Uses uv when it can be had, otherwise pip (a minute or two), then writes the bytecode that
# kernels and tests need. No conda needed.
# Called by `make lab` and `make test`; safe to run again (it re-syncs to the lock).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
LOCK=requirements-lock.txt
UV_VERSION=0.13.8

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "error: the course needs Python 3.10 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1)." >&2
    echo "       Install a newer Python, or run: make test PYTHON=python3.11" >&2
    exit 1
fi

# 1. Find uv: on PATH, or installed once into .tools/uv (a 10 MB wheel from PyPI).
UV=""
if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
elif [ -x .tools/uv/bin/uv ]; then
    UV=.tools/uv/bin/uv
elif "$PYTHON" -m pip install --quiet --disable-pip-version-check --target .tools/uv "uv==$UV_VERSION" >/dev/null 2>&1 \
        && [ -x .tools/uv/bin/uv ]; then
    UV=.tools/uv/bin/uv
fi

# 2. Create the environment and make it match the lock exactly.
#    With uv, the lock and the editable course library go in one sync (downloads and the
#    editable build run in parallel).
if [ -n "$UV" ]; then
    echo "Setting up $VENV with uv ($("$UV" --version))..."
    [ -x "$VENV/bin/python" ] || "$UV" venv --quiet --python "$PYTHON" "$VENV"
    VIRTUAL_ENV="$PWD/$VENV" "$UV" pip sync --quiet "$LOCK" <(echo "-e .")
else
    echo "uv is not available; setting up $VENV with pip (this takes a minute or two)..."
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$LOCK"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
fi

# 3. Bytecode for what kernels and tests import (tools/warm_bytecode.py; about 10 s on 2 idle
#    cores). Without it, with PYTHONDONTWRITEBYTECODE set (as here and in many containers), every
#    kernel compiles pandas, scipy and matplotlib from source: 12 s per notebook instead of 4.
"$VENV/bin/python" -m tools.warm_bytecode
"$VENV/bin/python" -c "import liverlab, lifelines, pandas; print('Environment ready: liverlab', liverlab.__version__, '| pandas', pandas.__version__, '| lifelines', lifelines.__version__)"

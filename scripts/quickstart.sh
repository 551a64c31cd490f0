#!/usr/bin/env bash
# One command from a fresh clone to a cited answer, on embedded defaults:
# Milvus Lite + SQLite in ./.ragbot, the offline MiniLM embedding model, no API key needed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install --quiet --upgrade pip
# Prefer a CPU-only torch (about 10x smaller than the default CUDA build on Linux); without that
# index (offline, a mirror), the same version from the default one. The version the tests run on.
TORCH="torch==${TORCH_VERSION:-2.13.0}"
python -c "import torch" 2>/dev/null \
  || python -m pip install --quiet --retries 0 --timeout 10 "$TORCH" \
       --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" \
  || python -m pip install --quiet "$TORCH"
python -m pip install --quiet -e '.[local]'

ragbot ingest samples/
ragbot ask "${1:-How many vacation days do employees get, and how do I request them?}"

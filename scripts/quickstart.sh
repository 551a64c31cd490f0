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
# Prefer a CPU-only torch (about 10x smaller than the default CUDA build on Linux).
python -c "import torch" 2>/dev/null \
  || python -m pip install --quiet --retries 0 --timeout 10 torch --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" \
  || python -m pip install --quiet torch
python -m pip install --quiet -e '.[local]'

ragbot ingest samples/
ragbot ask "${1:-How many vacation days do employees get, and how do I request them?}"

#!/usr/bin/env bash
# Set up (idempotent) and run every check: ruff, mypy, pytest. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off
python -m pip install --quiet --upgrade pip
# A CPU build of torch first, so the 'local' extra never pulls a multi-GB CUDA build (the
# default index has the CUDA one on Linux); without that index (offline, a mirror), the pin as is.
TORCH="torch==${TORCH_VERSION:-2.13.0}"
python -c "import torch" 2>/dev/null \
  || python -m pip install --quiet --retries 0 --timeout 10 "$TORCH" \
       --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" \
  || python -m pip install --quiet "$TORCH"
python -m pip install --quiet -e '.[local,dev,postgres,server]'

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
ruff check .
ruff format --check rag bot tests bench scripts
mypy
# Two workers (pytest-xdist): most of a test's time is Milvus Lite, Docling and the model in other
# processes, so two share the 2 cores CI has (5 min 44 s against 8 min 42 s+ on one).
# PYTEST_WORKERS=0 runs in one process.
python -m pytest -q -n "${PYTEST_WORKERS:-2}" "$@"

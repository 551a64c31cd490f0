#!/usr/bin/env bash
# Fresh venvs for bench/footprint.py: `pip install .` and `pip install '.[pdf-models]'` under
# bench/.cache (offline works when the wheels are in a local index or pip cache).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/.cache
for spec in default pdf-models; do
  venv="bench/.cache/venv-$spec"
  rm -rf "$venv"
  python3 -m venv "$venv"
  if [ "$spec" = default ]; then target="."; else target=".[pdf-models]"; fi
  start=$(date +%s)
  "$venv/bin/pip" install -q --no-compile "$target" > "bench/.cache/venv-$spec.log" 2>&1
  echo "rc=$? seconds=$(( $(date +%s) - start ))" >> "bench/.cache/venv-$spec.log"
done

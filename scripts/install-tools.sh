#!/usr/bin/env bash
# Installs the pinned tools the test suite needs into .tools/ (git-ignored) and does nothing
# when they are already there at the pinned versions. Safe to run repeatedly.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
venv="$tools/venv"
requirements="$root/tools/requirements.txt"
stamp="$venv/.requirements.sha256"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-tools: $python not found; Python 3.9+ is needed for the strict schema validator" >&2
  exit 1
fi

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

echo "install-tools: installing pinned Python tools into $venv" >&2
rm -rf "$venv"
mkdir -p "$tools"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
  --requirement "$requirements"
"$venv/bin/python" -m pip check >/dev/null
echo "$want" >"$stamp"

#!/usr/bin/env bash
# Installs the pinned tools the test suite needs into .tools/ (git-ignored) and does nothing
# when they are already there at the pinned versions. Safe to run repeatedly.
# Needs python3 and go; downloads only from PyPI and the Go module proxy.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
venv="$tools/venv"
requirements="$root/tools/requirements.txt"
stamp="$venv/.requirements.sha256"

# --- Python: the strict Kubernetes schema validator -------------------------------------
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-tools: $python not found; Python 3.9+ is needed for the strict schema validator" >&2
  exit 1
fi

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "install-tools: installing pinned Python tools into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$tools"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --requirement "$requirements"
  "$venv/bin/python" -m pip check >/dev/null
  echo "$want" >"$stamp"
fi

# --- Go: crdcheck, strict decoding of custom resources into their operators' API types ---
if ! command -v go >/dev/null 2>&1; then
  echo "install-tools: go not found; Go 1.26+ is needed to build tools/crdcheck" >&2
  exit 1
fi
crdcheck_src="$root/tools/crdcheck"
crdcheck_bin="$tools/bin/crdcheck"
crdcheck_stamp="$tools/bin/.crdcheck.sha256"
want="$(cat "$crdcheck_src/go.mod" "$crdcheck_src/go.sum" "$crdcheck_src"/*.go | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$crdcheck_bin" || ! -f "$crdcheck_stamp" || "$(cat "$crdcheck_stamp")" != "$want" ]]; then
  echo "install-tools: building tools/crdcheck into $crdcheck_bin" >&2
  mkdir -p "$tools/bin"
  (cd "$crdcheck_src" && go build -mod=readonly -trimpath -o "$crdcheck_bin" .)
  echo "$want" >"$crdcheck_stamp"
fi

# --- Go: actionlint, the GitHub Actions workflow linter -----------------------------------
actionlint_version="v1.7.12"
actionlint_bin="$tools/bin/actionlint"
if [[ ! -x "$actionlint_bin" || "$("$actionlint_bin" -version 2>/dev/null | head -1)" != "$actionlint_version" ]]; then
  echo "install-tools: installing actionlint $actionlint_version into $tools/bin" >&2
  mkdir -p "$tools/bin"
  GOBIN="$tools/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
fi

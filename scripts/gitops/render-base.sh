#!/usr/bin/env bash
# Synthesizes staging and prod as they were at <base-ref> (a pull request's base) into
# <outdir>, in a throwaway worktree, so the PR's rendered diff compares like with like.
# Reuses this checkout's node_modules when the lockfile is unchanged, else runs npm ci (without
# install scripts: the base's dependencies are not trusted any more than the head's).
# Usage: render-base.sh <base-ref> <outdir>
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: render-base.sh <base-ref> <outdir>" >&2
  exit 2
fi
base_ref="$1"
mkdir -p "$2"
outdir="$(cd "$2" && pwd)"
repo="$(git rev-parse --show-toplevel)"

scratch="$(mktemp -d)"
work="$scratch/base"
cleanup() {
  git -C "$repo" worktree remove --force "$work" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT
git -C "$repo" worktree add --quiet --detach "$work" "$base_ref"

if [[ ! -f "$work/infra/apps/main.ts" ]]; then
  echo "render-base: $base_ref has no synth program; the base output is empty" >&2
  exit 0
fi
if [[ -d "$repo/node_modules" ]] && cmp -s "$repo/package-lock.json" "$work/package-lock.json"; then
  ln -s "$repo/node_modules" "$work/node_modules"
else
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund)
fi
(cd "$work" && CDK8S_OUTDIR="$outdir" node_modules/.bin/ts-node --transpile-only infra/apps/main.ts staging prod)

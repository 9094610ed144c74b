#!/usr/bin/env bash
# Rolls one environment back to what a commit of the deploy branch held for it: that commit's
# <env>/ and helm/spring-api-<env>/ are published again as a new commit (history is kept, Flux
# or Argo CD apply it like any other), with the source commit it recorded. Runs only git.
# Usage: rollback-manifests.sh <git-remote> <branch> <env> <deploy-commit>
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: rollback-manifests.sh <git-remote> <branch> <env> <deploy-commit>" >&2
  exit 2
fi
remote="$1"
branch="$2"
env="$3"
target="$4"
here="$(cd "$(dirname "$0")" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet --bare --branch "$branch" "$remote" "$work/deploy.git"
if ! git -C "$work/deploy.git" merge-base --is-ancestor "$target" "refs/heads/$branch" 2>/dev/null; then
  echo "rollback: $target is not a commit of $branch" >&2
  exit 1
fi
if ! source_commit="$(git -C "$work/deploy.git" show "$target:source-commits/$env" 2>/dev/null)"; then
  echo "rollback: $target holds no source-commits/$env: it did not publish $env" >&2
  exit 1
fi
mkdir -p "$work/dist"
git -C "$work/deploy.git" archive "$target" "$env" "helm/spring-api-$env" | tar -x -C "$work/dist"
bash "$here/publish-manifests.sh" --rollback --env "$env" "$work/dist" "$remote" "$branch" "$source_commit"

#!/usr/bin/env bash
# Publishes synthesized manifests to a branch that GitOps controllers (Flux, Argo CD) pull:
# <env>/ with plain YAML and helm/spring-api-<env>/ with the chart, for staging and prod only
# (dev's Secret holds values generated on the machine that ran synth). Every image must be pinned
# by digest. One commit per source commit that changes the output; nothing is pushed when the
# output is unchanged.
# Usage: publish-manifests.sh <dist-dir> <git-remote> <branch> <source-commit>
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: publish-manifests.sh <dist-dir> <git-remote> <branch> <source-commit>" >&2
  exit 2
fi
dist="$(cd "$1" && pwd)"
remote="$2"
branch="$3"
source_commit="$4"
environments=(staging prod)

for env in "${environments[@]}"; do
  for dir in "$dist/$env" "$dist/helm/spring-api-$env"; do
    [[ -d "$dir" ]] || { echo "publish: $dir is missing; run synth first" >&2; exit 1; }
  done
  if grep -rqE '^kind: Secret$' "$dist/$env" "$dist/helm/spring-api-$env"; then
    echo "publish: refusing to publish a Secret found in $env's output" >&2
    exit 1
  fi
  # A tag can be moved to other content after CI tested it; a digest cannot. Every image on the
  # deploy branch is pulled by the digest the registry returned for the build.
  unpinned="$(grep -rhE '^[[:space:]]*(- )?image: ' "$dist/$env" "$dist/helm/spring-api-$env" |
    grep -vE '@sha256:[0-9a-f]{64}[[:space:]]*$' | sed -E 's/^[[:space:]]*(- )?image: //' | sort -u | head -1 || true)"
  if [[ -n "$unpinned" ]]; then
    echo "publish: refusing $env's output: image $unpinned is not pinned by digest (synth with --image-digest=sha256:<hex>)" >&2
    exit 1
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1; then
  git clone --quiet --depth 1 --branch "$branch" "$remote" "$work"
else
  git init --quiet "$work"
  git -C "$work" checkout --quiet --orphan "$branch"
  git -C "$work" remote add origin "$remote"
fi

for env in "${environments[@]}"; do
  rm -rf "${work:?}/$env" "${work:?}/helm/spring-api-$env"
  mkdir -p "$work/helm"
  cp -R "$dist/$env" "$work/$env"
  cp -R "$dist/helm/spring-api-$env" "$work/helm/spring-api-$env"
done
cat >"$work/README.md" <<TEXT
# Rendered manifests

Written by CI; each commit message names the source commit. Do not edit here: change
infra/apps in the source repository and merge.
GitOps controllers apply \`staging/\` or \`prod/\` (plain YAML) or \`helm/spring-api-<env>/\`.
TEXT

git -C "$work" add -A
if git -C "$work" diff --cached --quiet; then
  echo "publish: no change in the rendered manifests"
  exit 0
fi
git -C "$work" \
  -c user.name="${GIT_AUTHOR_NAME:-k8s-platform-ci}" \
  -c user.email="${GIT_AUTHOR_EMAIL:-k8s-platform-ci@users.noreply.github.com}" \
  commit --quiet -m "Rendered manifests from ${source_commit}"
git -C "$work" push --quiet origin "HEAD:refs/heads/$branch"
echo "publish: pushed $(git -C "$work" rev-parse --short HEAD) to $branch"

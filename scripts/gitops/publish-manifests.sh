#!/usr/bin/env bash
# Publishes rendered manifests to a branch that GitOps controllers (Flux, Argo CD) pull:
# <env>/ with plain YAML and helm/spring-api-<env>/ with the chart, for the environments named
# (staging and prod by default; dev's Secret holds values generated on the machine that ran
# synth). CI calls it once for staging and, after review, once for prod with the same rendered
# tree. It runs only git: no code from the rendered tree or the source checkout is executed.
#
# The guard against Secrets (scripts/gitops/guard-manifests.ts, which parses the documents) runs
# in the render job; this script still refuses an image not pinned by digest. It records the
# source commit of each environment in source-commits/<env> and refuses to move an environment
# backwards: the new source commit must descend from the recorded one in the source repository
# (the working directory's git repository, or $SOURCE_REPO), unless --rollback is given. One
# commit per publish that changes the output; nothing is pushed when the output is unchanged.
# Usage: publish-manifests.sh [--rollback] [--env <env>]... <dist-dir> <git-remote> <branch> <source-commit>
set -euo pipefail

usage() {
  echo "usage: publish-manifests.sh [--rollback] [--env staging|prod]... <dist-dir> <git-remote> <branch> <source-commit>" >&2
  exit 2
}
rollback=false
environments=()
while [[ $# -gt 0 && "$1" == --* ]]; do
  case "$1" in
    --rollback) rollback=true; shift ;;
    --env)
      [[ $# -ge 2 && ("$2" == staging || "$2" == prod) ]] || usage
      environments+=("$2"); shift 2 ;;
    *) usage ;;
  esac
done
[[ $# -eq 4 ]] || usage
[[ ${#environments[@]} -gt 0 ]] || environments=(staging prod)
dist="$(cd "$1" && pwd)"
remote="$2"
branch="$3"
source_commit="$4"
source_repo="${SOURCE_REPO:-.}"

for env in "${environments[@]}"; do
  for dir in "$dist/$env" "$dist/helm/spring-api-$env"; do
    [[ -d "$dir" ]] || { echo "publish: $dir is missing; run synth first" >&2; exit 1; }
  done
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

# Forward only: what each environment runs was rendered from an ancestor of this commit.
for env in "${environments[@]}"; do
  recorded="$work/source-commits/$env"
  [[ -f "$recorded" ]] || continue
  previous="$(tr -d '[:space:]' <"$recorded")"
  [[ "$previous" != "$source_commit" && "$rollback" == false ]] || continue
  if ! git -C "$source_repo" cat-file -e "$source_commit^{commit}" 2>/dev/null ||
    ! git -C "$source_repo" merge-base --is-ancestor "$previous" "$source_commit" 2>/dev/null; then
    echo "publish: refusing to move $env backwards: $source_commit does not descend from $previous, which $branch holds (pass --rollback to roll back on purpose)" >&2
    exit 1
  fi
done

for env in "${environments[@]}"; do
  rm -rf "${work:?}/$env" "${work:?}/helm/spring-api-$env"
  mkdir -p "$work/helm"
  cp -R "$dist/$env" "$work/$env"
  cp -R "$dist/helm/spring-api-$env" "$work/helm/spring-api-$env"
done
cat >"$work/README.md" <<TEXT
# Rendered manifests

Written by CI; each commit message names the source commit and \`source-commits/<env>\` holds
the one each environment was rendered from. Do not edit here: change infra/apps in the source
repository and merge. To roll prod back, see gitops/README.md in the source repository.
GitOps controllers apply \`staging/\` or \`prod/\` (plain YAML) or \`helm/spring-api-<env>/\`.
TEXT

git -C "$work" add -A
if git -C "$work" diff --cached --quiet; then
  echo "publish: no change in the rendered manifests"
  exit 0
fi
mkdir -p "$work/source-commits"
for env in "${environments[@]}"; do
  echo "$source_commit" >"$work/source-commits/$env"
done
git -C "$work" add -A
verb="Rendered"
[[ "$rollback" == false ]] || verb="Rolled back"
git -C "$work" \
  -c user.name="${GIT_AUTHOR_NAME:-k8s-platform-ci}" \
  -c user.email="${GIT_AUTHOR_EMAIL:-k8s-platform-ci@users.noreply.github.com}" \
  commit --quiet -m "$verb ${environments[*]} from ${source_commit}"
git -C "$work" push --quiet origin "HEAD:refs/heads/$branch"
echo "publish: pushed $(git -C "$work" rev-parse --short HEAD) to $branch"

// Renders the difference between two synth outputs (a pull request's base and head) as one
// Markdown comment, per environment, for reviewers. dev is never included: its Secret holds
// values generated on the machine that ran synth.
// Usage: ts-node --transpile-only scripts/gitops/diff-manifests.ts <base-dist> <head-dist>
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Environments whose rendered manifests are reviewed and published. */
export const PUBLISHED_ENVIRONMENTS = ['staging', 'prod'] as const;

/** Hidden marker the workflow uses to find and update its own comment. */
export const COMMENT_MARKER = '<!-- spring-api-manifest-diff -->';

/** GitHub refuses comments over 65,536 characters; leave room for the surrounding text. */
export const DEFAULT_MAX_DIFF_CHARS = 20_000;

/** Unified diff of one folder against another ('' when equal), with paths relative to each. */
export function folderDiff(base: string, head: string): string {
  const run = spawnSync(
    'git',
    ['diff', '--no-index', '--no-color', '--no-prefix', '-U3', '--', base, head],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`git diff failed (exit ${run.status}): ${run.stderr}`);
  }
  const b = resolve(base).replace(/^\//, '');
  const h = resolve(head).replace(/^\//, '');
  return run.stdout.split(`${b}/`).join('base/').split(`${h}/`).join('head/');
}

/** The whole comment: a summary line per environment and its diff, each one size-capped. */
export function manifestDiffMarkdown(
  baseDist: string,
  headDist: string,
  maxChars = DEFAULT_MAX_DIFF_CHARS,
): string {
  const lines = [COMMENT_MARKER, '### Rendered manifests', ''];
  for (const env of PUBLISHED_ENVIRONMENTS) {
    const base = join(baseDist, env);
    const head = join(headDist, env);
    if (!existsSync(head)) throw new Error(`${head} is missing: synthesize the head first`);
    if (!existsSync(base)) {
      lines.push(`**${env}**: new environment (no base output).`, '');
      continue;
    }
    const diff = folderDiff(base, head);
    if (diff === '') {
      lines.push(`**${env}**: no change.`, '');
      continue;
    }
    const changed = diff.split('\n').filter((l) => /^[+-](?![+-]{2} )/.test(l)).length;
    const shown = diff.length > maxChars ? `${diff.slice(0, maxChars)}\n... (truncated)` : diff;
    lines.push(
      `<details><summary><b>${env}</b>: ${changed} changed line(s)</summary>`,
      '',
      '```diff',
      shown.trimEnd(),
      '```',
      '</details>',
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

if (require.main === module) {
  const [base, head] = process.argv.slice(2);
  if (!base || !head) {
    console.error('usage: diff-manifests.ts <base-dist> <head-dist>');
    process.exit(2);
  }
  process.stdout.write(manifestDiffMarkdown(base, head));
}

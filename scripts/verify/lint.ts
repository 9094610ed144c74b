import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { RenderedEnvironment } from '../../infra/apps/render';

/** A kube-score test turned off, with the reason (tools/kube-score-exceptions.json). */
export interface LintException {
  readonly test: string;
  readonly why: string;
}

export function readExceptions(file: string): LintException[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { exceptions: LintException[] };
  for (const e of parsed.exceptions) {
    if (!e.test || !e.why || e.why.length < 40)
      throw new Error(`${file}: every exception needs a test and a reason`);
  }
  return parsed.exceptions;
}

/**
 * kube-score with its default checks over one environment's YAML (each environment alone:
 * objects share names across environments). Returns its CRITICAL and WARNING lines.
 */
export function kubeScore(
  binary: string,
  yaml: string,
  exceptions: readonly LintException[],
): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kube-score-'));
  try {
    const file = join(dir, 'manifests.yaml');
    writeFileSync(file, yaml);
    const args = ['score', '--output-format', 'ci', '--kubernetes-version', `v${KUBERNETES_MINOR}`];
    for (const e of exceptions) args.push('--ignore-test', e.test);
    const run = spawnSync(binary, [...args, file], { encoding: 'utf8' });
    if (run.error) throw run.error;
    return run.stdout
      .split('\n')
      .filter((l) => l.startsWith('[CRITICAL]') || l.startsWith('[WARNING]'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lints every environment; a finding fails the run, except the justified ones. */
export function lintEnvironments(
  binary: string,
  rendered: readonly RenderedEnvironment[],
  exceptions: readonly LintException[],
): string[] {
  return rendered.flatMap((env) =>
    kubeScore(binary, env.yaml, exceptions).map((line) => `${env.environment}: ${line}`),
  );
}

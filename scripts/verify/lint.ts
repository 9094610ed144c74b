import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { parseAllDocuments } from 'yaml';
import { helmChart } from '../../infra/apps/helm';
import { ManifestObject, RenderedEnvironment } from '../../infra/apps/render';

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

/**
 * The generated chart of each environment through real Helm: `helm lint --strict` at the
 * cluster's minor, then `helm template` must yield exactly the plain manifests' objects.
 */
export function helmChecks(
  binary: string,
  rendered: readonly RenderedEnvironment[],
  chartVersion: string,
): string[] {
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'helm-'));
  const key = (o: { kind: string; metadata: { name: string } }): string =>
    `${o.kind}/${o.metadata.name}`;
  try {
    for (const env of rendered) {
      const chart = join(dir, env.environment);
      for (const file of helmChart(env, chartVersion)) {
        mkdirSync(join(chart, file.path, '..'), { recursive: true });
        writeFileSync(join(chart, file.path), file.contents);
      }
      const kube = `${KUBERNETES_MINOR}.0`;
      const lint = spawnSync(binary, ['lint', '--strict', '--kube-version', kube, chart], {
        encoding: 'utf8',
      });
      if (lint.error) throw lint.error;
      if (lint.status !== 0)
        problems.push(`${env.environment}: helm lint: ${lint.stdout}${lint.stderr}`);
      const template = spawnSync(
        binary,
        ['template', 'spring-api', chart, '--kube-version', kube],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      if (template.status !== 0) {
        problems.push(`${env.environment}: helm template: ${template.stderr}`);
        continue;
      }
      const fromHelm = parseAllDocuments(template.stdout)
        .map((d) => d.toJS() as ManifestObject | null)
        .filter((o): o is ManifestObject => o !== null);
      const sort = (objects: readonly ManifestObject[]): ManifestObject[] =>
        [...objects].sort((a, b) => key(a).localeCompare(key(b)));
      if (JSON.stringify(sort(fromHelm)) !== JSON.stringify(sort(env.objects))) {
        problems.push(`${env.environment}: helm template does not reproduce the plain manifests`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

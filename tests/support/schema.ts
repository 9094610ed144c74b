import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';

const root = resolve(__dirname, '..', '..');
const python = join(root, '.tools', 'venv', 'bin', 'python');
const script = join(root, 'scripts', 'validate_k8s_schemas.py');

export type SchemaResult =
  | { readonly status: 'ok' }
  | { readonly status: 'error'; readonly path: string; readonly message: string }
  | { readonly status: 'no-schema'; readonly message: string };

/**
 * Validates objects against the strict Kubernetes JSON schemas of the cluster's minor
 * (kubernetes-validate, installed by scripts/install-tools.sh), in one Python process.
 */
export function validateStrict(objects: readonly unknown[]): SchemaResult[] {
  if (!existsSync(python)) {
    throw new Error(`${python} is missing: run "npm run tools" (npm test does it first)`);
  }
  const run = spawnSync(python, [script, `${KUBERNETES_MINOR}.0`], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`schema validator failed (exit ${run.status}): ${run.stderr}`);
  }
  return JSON.parse(run.stdout) as SchemaResult[];
}

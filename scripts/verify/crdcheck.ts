import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const binary = join(resolve(__dirname, '..', '..'), '.tools', 'bin', 'crdcheck');

export type CrdResult =
  | { readonly status: 'ok' }
  | { readonly status: 'error'; readonly message: string }
  | { readonly status: 'unsupported' };

/**
 * Strictly decodes custom resources into their operators' Go API types (Prometheus Operator
 * v0.93.1, MetalLB v0.16.1, Flux 2.9: source-controller v1.9.5, kustomize-controller v1.9.5,
 * helm-controller v1.6.4, CloudNativePG 1.28.1, cert-manager 1.21.2) with tools/crdcheck, built by scripts/install-tools.sh: unknown
 * fields and wrong types fail.
 */
export function checkCustomResources(objects: readonly unknown[]): CrdResult[] {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run "npm run tools" (npm test does it first)`);
  }
  const run = spawnSync(binary, [], { input: JSON.stringify(objects), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`crdcheck failed (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CrdResult[];
}

// verify's `lint`, `platform` and `cluster` parts: kube-score and helm over the generated
// manifests, promtool and the wrapper charts, the readiness waits and kubeadm's configs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNETES_MINOR } from '../../../infra/config/environments';
import { KUBERNETES_VERSION } from '../../../infra/config/nodes';
import { RenderedEnvironment } from '../../../infra/apps/render';
import { LocalCluster } from '../local-cluster';
import { helmChecks, kubeScore, lintEnvironments, readExceptions } from '../lint';
import { checkCharts } from '../platform-check';
import { checkRules } from '../rules-check';
import { checkKubeadmConfigs, checkReadinessWaits } from '../cluster-check';
import { Json, root, Tally } from './tally';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

/** The pinned helm version (tools/helm.pin), for the report. */
function helmVersion(): string {
  return (
    readFileSync(join(root, 'tools', 'helm.pin'), 'utf8')
      .trim()
      .split('@')[1] ?? '?'
  );
}

export function checkLint(rendered: readonly RenderedEnvironment[], t: Tally): void {
  const binary = join(root, '.tools', 'bin', 'kube-score');
  const exceptions = readExceptions(join(root, 'tools', 'kube-score-exceptions.json'));
  // Self-test: a Deployment without resources must draw findings.
  const prod = rendered.find((e) => e.environment === 'prod');
  const bare = JSON.parse(
    JSON.stringify(prod?.objects.find((o) => o.kind === 'Deployment')),
  ) as Json;
  delete bare.spec.template.spec.containers[0].resources;
  if (kubeScore(binary, JSON.stringify(bare), exceptions).length === 0) {
    t.failures.push('self-test: kube-score did not flag a container without resources');
  }
  const findings = lintEnvironments(binary, rendered, exceptions);
  t.failures.push(...findings.map((f) => `kube-score ${f}`));
  if (findings.length === 0) t.passed += rendered.length;
  console.log(
    `verify: kube-score v1.20.0 (default checks, --kubernetes-version v${KUBERNETES_MINOR}): ${findings.length} finding(s) over ` +
      `${rendered.length} environments; ${exceptions.length} justified exceptions in tools/kube-score-exceptions.json`,
  );
  const helm = helmChecks(join(root, '.tools', 'bin', 'helm'), rendered, '0.0.0-verify');
  t.failures.push(...helm.map((p) => `helm ${p}`));
  if (helm.length === 0) t.passed += rendered.length;
  console.log(
    `verify: helm ${helmVersion()}: ${rendered.length} generated charts lint clean (--strict) and render the plain manifests (${helm.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

export function checkPlatform(cluster: LocalCluster, t: Tally): void {
  const rules = checkRules('promtool');
  t.failures.push(...rules.failures.map((f) => `rules: ${f}`));
  if (rules.failures.length === 0) t.passed++;
  console.log(
    `verify: promtool: ${rules.rules} rules (the API's, the control plane upkeep's, the certificates' and the database's) check and pass their unit tests, which fail against a broken threshold; ` +
      `the dashboard's queries parse (${rules.failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
  const charts = checkCharts(join(root, '.tools', 'bin', 'helm'), cluster);
  t.failures.push(...charts.failures.map((f) => `charts: ${f}`));
  if (charts.failures.length === 0) t.passed++;
  console.log(
    `verify: charts: the wrapper charts' own templates lint (--strict) and render for minikube and gcp; ` +
      `${charts.objects} objects decoded strictly or dry-run on the API server (${charts.failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

export async function checkCluster(cluster: LocalCluster, t: Tally): Promise<void> {
  const waits = await checkReadinessWaits(cluster);
  t.failures.push(...waits.map((f) => `readiness: ${f}`));
  if (waits.length === 0) t.passed++;
  console.log(
    `verify: readiness waits: /readyz, then Ready nodes counted through the status subresource; 3 of 4 times out, 4 of 4 passes ` +
      `(${waits.length === 0 ? 'ok' : 'FAILED'})`,
  );
  const kubeadm = checkKubeadmConfigs(join(root, '.tools', 'bin', 'kubeadm'));
  t.failures.push(...kubeadm.failures.map((f) => `kubeadm: ${f}`));
  if (kubeadm.failures.length === 0) t.passed += kubeadm.checked;
  console.log(
    `verify: kubeadm ${KUBERNETES_VERSION}: the gcp control plane's and workers' configs validate strictly; a misspelt field is refused ` +
      `(${kubeadm.failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

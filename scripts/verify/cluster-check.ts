// The gcp nodes' kubeadm configuration, validated by kubeadm itself (v1.32.13, built beside
// kube-apiserver): `kubeadm config validate` decodes strictly, so a misspelt field, a wrong type
// or an invalid value fails here rather than on a VM at boot.
import { GCP_DEFAULTS } from '../../infra/config/gcp';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeadmInitConfig, kubeadmJoinConfig } from '../../infra/cluster/gcp/bootstrap';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';
import { waitForApi, waitForNodes } from '../../infra/cluster/gcp/wait-ready';
import { credentialsFromFile, kubeApi } from '../../infra/kube/kube-api';
import { LocalCluster } from './local-cluster';

/** What the boot scripts substitute at run time, with values of the right form. */
const AT_BOOT = {
  bootstrap_token: 'abcdef.0123456789abcdef',
};

export function checkKubeadmConfigs(kubeadm: string): { failures: string[]; checked: number } {
  const dir = mkdtempSync(join(tmpdir(), 'verify-kubeadm-'));
  const failures: string[] = [];
  const validate = (name: string, text: string): string | undefined => {
    const file = join(dir, name);
    writeFileSync(file, text.replace('${bootstrap_token}', AT_BOOT.bootstrap_token));
    const r = spawnSync(kubeadm, ['config', 'validate', '--config', file], { encoding: 'utf8' });
    return r.status === 0 ? undefined : `${r.stdout}${r.stderr}`.trim();
  };
  try {
    const init = kubeadmInitConfig({
      cluster: 'k8s-platform',
      project: 'verify',
      kubernetesVersion: KUBERNETES_VERSION,
      internalIp: '10.10.0.2',
      publicIp: '203.0.113.10',
      podCidr: GCP_DEFAULTS.podCidr,
      serviceCidr: GCP_DEFAULTS.serviceCidr,
      caCertPem: '',
    });
    const join_ = kubeadmJoinConfig({
      cluster: 'k8s-platform',
      project: 'verify',
      kubernetesVersion: KUBERNETES_VERSION,
      endpoint: '10.10.0.2:6443',
      caCertHash: `sha256:${'ab'.repeat(32)}`,
    });
    for (const [name, text] of [
      ['init.yaml', init],
      ['join.yaml', join_],
    ] as const) {
      const problem = validate(name, text);
      if (problem) failures.push(`${name}: ${problem}`);
    }
    // Self-test: a misspelt field must be refused.
    if (
      !validate('misspelt.yaml', init.replace('cgroupDriver:', 'cgroupDrivr:'))?.includes(
        'unknown field',
      )
    )
      failures.push('self-test: kubeadm accepted a misspelt field');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { failures, checked: 2 };
}

/**
 * The readiness waits `pulumi up` runs on gcp, against the local kube-apiserver: Node objects
 * are registered, then marked Ready one by one through the status subresource.
 */
export async function checkReadinessWaits(cluster: LocalCluster): Promise<string[]> {
  const failures: string[] = [];
  const api = kubeApi(credentialsFromFile(cluster.kubeconfigPath, 'verify'));
  const quick = { timeoutMs: 1500, intervalMs: 250 };
  if ((await waitForApi(api, quick)) !== '/readyz 200') failures.push('/readyz did not answer 200');
  const names = ['cp-0', 'worker-0', 'worker-1', 'worker-2'];
  const ready = (name: string) =>
    cluster.kubectl([
      'patch', 'node', name, '--subresource=status', '--type=merge', '-p',
      JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'verify' }] } }),
    ]); // prettier-ignore
  for (const name of names) {
    const made = cluster.kubectl(['create', '-f', '-'], {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
    });
    if (made.status !== 0) return [`creating Node ${name}: ${made.stderr}`];
  }
  for (const name of names.slice(0, 3)) ready(name);
  const early = await waitForNodes(api, 4, quick).then(
    (s) => `passed early: ${s}`,
    (e: Error) => e.message,
  );
  if (!early.includes('(last: 3/4 Ready of 4 registered)'))
    failures.push(`with 3 of 4 nodes Ready the wait should time out; it said: ${early}`);
  ready('worker-2');
  const done = await waitForNodes(api, 4, quick).catch((e: Error) => e.message);
  if (done !== '4/4 Ready of 4 registered') failures.push(`with 4 Ready nodes: ${done}`);
  cluster.kubectl(['delete', 'node', ...names]);
  return failures;
}

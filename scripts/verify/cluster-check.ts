// The gcp nodes' kubeadm configuration, validated by kubeadm itself (v1.32.13, built beside
// kube-apiserver): `kubeadm config validate` decodes strictly, so a misspelt field, a wrong type
// or an invalid value fails here rather than on a VM at boot.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeadmInitConfig, kubeadmJoinConfig } from '../../infra/cluster/gcp/bootstrap';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';

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
      podCidr: '192.168.0.0/16',
      serviceCidr: '10.96.0.0/12',
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

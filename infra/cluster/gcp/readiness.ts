// Readiness and the CNI. Nothing that talks to the API server may start before it answers:
// pulumi-kubernetes decides once per run whether a cluster is reachable, so the provider gets a
// kubeconfig that only resolves after the API readiness wait. Then Calico, then a wait for every
// node to be Ready, which is what the platform layer waits for.
import * as command from '@pulumi/command';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { GcpConfig } from '../../config/gcp';
import { REPO_ROOT, repoScript } from '../../config/repo-command';
import { clusterIdentifier, controlPlaneVm } from './api-endpoint';

/**
 * Calico's values over charts/calico: the IP pool as that chart writes it, with kubeadm's pod
 * subnet (stack config podCidr) as its CIDR. Helm replaces lists whole, so the pool is read from
 * the chart and only its CIDR changed here: the pool's settings live once, in the chart.
 */
export function calicoValues(podCidr: string, chartDir = resolve(REPO_ROOT, 'charts', 'calico')) {
  const values = parse(readFileSync(resolve(chartDir, 'values.yaml'), 'utf8')) as {
    'tigera-operator': { installation: { calicoNetwork: { ipPools: Record<string, unknown>[] } } };
  };
  const network = values['tigera-operator'].installation.calicoNetwork;
  if (network.ipPools.length !== 1)
    throw new Error(
      `${chartDir}/values.yaml: expected one IP pool, found ${network.ipPools.length}`,
    );
  return {
    'tigera-operator': {
      installation: {
        calicoNetwork: { ...network, ipPools: [{ ...network.ipPools[0], cidr: podCidr }] },
      },
    },
  };
}

export interface Readiness {
  readonly provider: k8s.Provider;
  /** The admin kubeconfig, resolved only once the API server is ready (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** Every node Ready and the CNI running. */
  readonly nodesReady: command.local.Command;
}

export function readiness(
  c: GcpConfig,
  a: {
    kubeconfig: pulumi.Output<string>;
    controlPlane: pulumi.Resource;
    workers: readonly pulumi.Resource[];
    drains: readonly pulumi.Resource[];
  },
  parent: pulumi.Resource,
): Readiness {
  const n = c.name;
  const wait = (mode: 'api' | 'nodes', deps: readonly pulumi.Resource[]) => {
    const run = repoScript('infra/cluster/gcp/wait-ready.ts', mode);
    return new command.local.Command(
      `${n}-wait-${mode}`,
      {
        create: run.command,
        dir: run.dir,
        environment: {
          KUBECONFIG_CONTENT: a.kubeconfig,
          KUBE_CONTEXT: n,
          EXPECT_NODES: String(c.workers.count + 1),
          WAIT_MINUTES: '30',
          // Whose bootstrap reports to show (and fail fast on): the control plane, then all.
          GUEST_ATTRIBUTE_VMS: [
            controlPlaneVm(c),
            ...(mode === 'nodes'
              ? Array.from({ length: c.workers.count }, (_, i) => `${n}-worker-${i}`)
              : []),
          ].join(','),
          GCP_ZONE: c.zone,
          GCP_PROJECT: c.project,
        },
      },
      { parent, dependsOn: [...deps] },
    );
  };
  const apiReady = wait('api', [a.controlPlane]);
  // The same kubeconfig, but an output of the wait: whoever reads it waits for the API server.
  const kubeconfig = pulumi.secret(
    pulumi.all([apiReady.stdout, a.kubeconfig]).apply(([, text]) => text),
  );
  const provider = new k8s.Provider(
    `${n}-k8s`,
    {
      kubeconfig,
      context: n,
      enableServerSideApply: true,
      // Moving between public and iap-tunnel changes the server, not the cluster.
      clusterIdentifier: clusterIdentifier(c),
    },
    { parent },
  );
  const calico = new k8s.helm.v3.Release(
    'calico',
    {
      name: 'calico',
      chart: 'charts/calico',
      dependencyUpdate: true,
      namespace: 'tigera-operator',
      createNamespace: true,
      values: calicoValues(c.network.podCidr),
    },
    { parent, provider, dependsOn: [apiReady] },
  );
  // The drains come before this wait so that, on destroy, the platform (which waits for this)
  // is gone before any worker is drained.
  const nodesReady = wait('nodes', [calico, ...a.workers, ...a.drains]);
  return { provider, kubeconfig, nodesReady };
}

// The gcp target: a kubeadm cluster on Compute Engine, stood up by `pulumi up` alone. No SSH:
// startup scripts bootstrap the nodes, Secret Manager hands them their secrets, the admin
// kubeconfig is minted from the Pulumi-made CA, and bounded waits gate everything installed on
// the cluster. Each concern has its module: apis, network, identity, etcd-backups, nodes,
// load-balancing, readiness. Ends in the `Cluster` the platform layer receives.
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { GcpConfig } from '../../config/gcp';
import { KUBERNETES_VERSION } from '../../config/nodes';
import { Cluster } from '../cluster';
import { enableApis } from './apis';
import { controlPlaneScript, workerScript } from './bootstrap';
import { etcdSnapshotBucket } from './etcd-backups';
import { nodeIdentity } from './identity';
import { loadBalancing } from './load-balancing';
import { controlPlaneMaintenance } from './maintenance';
import { metadataBlockFragment } from './metadata-block';
import { clusterNetwork } from './network';
import { nodeNameRegex } from './node-names';
import { clusterNodes, controlPlaneAddresses } from './nodes';
import { adminKubeconfig, ClusterPki } from './pki';
import { readiness } from './readiness';
import { apiServerUrl } from './api-endpoint';

export { REQUIRED_APIS } from './apis';
export { HEALTH_CHECK_RANGES } from './network';

export class GcpCluster extends pulumi.ComponentResource {
  readonly cluster: Cluster;
  readonly controlPlaneAddress: pulumi.Output<string>;
  readonly ingressAddress: pulumi.Output<string>;
  /** The range the VPC routes to the workers, for MetalLB. */
  readonly metallbPoolRange: string;
  /** The admin kubeconfig (secret), resolved once the API server answers. */
  readonly kubeconfig: pulumi.Output<string>;
  /** How to reach each node for debugging (IAP, no public SSH). */
  readonly sshCommands: pulumi.Output<string[]>;
  /** The bucket the control plane writes etcd snapshots to. */
  readonly etcdSnapshotBucket: pulumi.Output<string>;

  constructor(name: string, c: GcpConfig, opts?: pulumi.ComponentResourceOptions) {
    super('k8s-platform:cluster:GcpCluster', name, {}, opts);
    const gcpProvider = new gcp.Provider(
      `${name}-gcp`,
      { project: c.project, region: c.region, zone: c.zone },
      { parent: this },
    );
    const base = { parent: this, provider: gcpProvider };
    const n = c.name;
    const apis = enableApis(c.project, base);
    const net = clusterNetwork(c, apis, base);
    const pki = new ClusterPki(n, { parent: this });
    const identity = nodeIdentity(c, pki, apis, base);
    const bucket = etcdSnapshotBucket(c, identity.controlPlane, apis, base);
    const addresses = controlPlaneAddresses(c, net, apis, base);

    const common = { cluster: n, project: c.project, kubernetesVersion: KUBERNETES_VERSION };
    // Every node keeps its pods off the metadata server before the kubelet first starts.
    const metadataBlock = { name: 'metadata-block', script: metadataBlockFragment() };
    const rawKubeconfig = pulumi.secret(
      pulumi
        .all([addresses.external.address, pki.caCertPem, pki.adminCertPem, pki.adminKeyPem])
        .apply(([ip, ca, cert, key]) => adminKubeconfig(n, apiServerUrl(c, ip), ca, cert, key)),
    );
    const nodes = clusterNodes(
      c,
      {
        net,
        addresses,
        identity,
        controlPlaneScript: pulumi
          .all([addresses.internal.address, addresses.external.address, pki.caCertPem, bucket.name])
          .apply(([internalIp, publicIp, caCertPem, etcdSnapshotBucket]) =>
            controlPlaneScript(
              {
                ...common,
                internalIp,
                publicIp,
                podCidr: c.network.podCidr,
                serviceCidr: c.network.serviceCidr,
                caCertPem,
              },
              {
                beforeKubeadm: [metadataBlock],
                // Certificate renewal and expiry metrics, etcd snapshots to the bucket.
                afterKubeadm: [
                  {
                    name: 'maintenance',
                    script: controlPlaneMaintenance({
                      cluster: n,
                      project: c.project,
                      etcdSnapshotBucket,
                    }),
                  },
                ],
              },
            ),
          ),
        // Workers boot in parallel with the control plane and join as soon as it answers.
        workerScript: pulumi
          .all([addresses.internal.address, pki.caCertHash])
          .apply(([ip, caCertHash]) =>
            workerScript(
              { ...common, endpoint: `${ip}:6443`, caCertHash },
              { beforeKubeadm: [metadataBlock] },
            ),
          ),
        kubeconfig: rawKubeconfig,
      },
      apis,
      base,
    );
    const lb = loadBalancing(c, net, nodes.workers, apis, base);
    const ready = readiness(
      c,
      {
        kubeconfig: rawKubeconfig,
        controlPlane: nodes.controlPlane,
        workers: nodes.workers,
        drains: nodes.drains,
      },
      this,
    );

    this.controlPlaneAddress = addresses.external.address;
    this.ingressAddress = lb.ingressAddress.address;
    this.metallbPoolRange = c.network.metallbRange;
    this.kubeconfig = ready.kubeconfig;
    this.etcdSnapshotBucket = bucket.name;
    this.sshCommands = pulumi
      .all([nodes.controlPlane.name, ...nodes.workers.map((w) => w.name)])
      .apply((all) =>
        all.map(
          (vm) =>
            `gcloud compute ssh ${vm} --zone ${c.zone} --project ${c.project} --tunnel-through-iap`,
        ),
      );
    this.cluster = {
      provider: ready.provider,
      kubeconfig: { content: ready.kubeconfig },
      context: n,
      networking: {
        kind: 'gcp',
        clusterName: n,
        workerServiceAccountEmail: identity.worker.email,
        project: c.project,
        region: c.region,
        metallbPoolRange: c.network.metallbRange,
        ingressAddress: lb.ingressAddress.address,
        gcpProvider,
        apis,
        kubeletServing: { nodeNameRegex: nodeNameRegex(n), nodeSubnet: c.network.subnetCidr },
      },
      ready: [ready.nodesReady],
      workers: { count: c.workers.count, machineType: c.workers.machineType },
    };
    this.registerOutputs({
      controlPlaneAddress: this.controlPlaneAddress,
      ingressAddress: this.ingressAddress,
      metallbPoolRange: this.metallbPoolRange,
      kubeconfig: this.kubeconfig,
      sshCommands: this.sshCommands,
      etcdSnapshotBucket: this.etcdSnapshotBucket,
    });
  }
}

// The gcp target: a kubeadm cluster on Compute Engine, stood up by `pulumi up` alone. No SSH:
// startup scripts bootstrap the nodes, Secret Manager hands them their secrets, the admin
// kubeconfig is minted from the Pulumi-made CA, and bounded waits gate everything installed on
// the cluster. Ends in the `Cluster` the platform layer receives.
import * as command from '@pulumi/command';
import * as gcp from '@pulumi/gcp';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { resolve } from 'node:path';
import { GcpConfig, IAP_RANGE } from '../../config/gcp';
import { KUBERNETES_VERSION } from '../../config/nodes';
import { Cluster } from '../cluster';
import { controlPlaneScript, secretNames, workerScript } from './bootstrap';
import { adminKubeconfig, ClusterPki } from './pki';

/** Google's sources of load-balancer health checks (target pools' legacy HTTP checks). */
export const HEALTH_CHECK_RANGES = ['35.191.0.0/16', '209.85.152.0/22', '209.85.204.0/22'];

/** Google Cloud APIs the cluster and the platform layer use. */
export const REQUIRED_APIS = [
  'compute.googleapis.com',
  'secretmanager.googleapis.com',
  'cloudkms.googleapis.com',
  'iam.googleapis.com',
];

/** Project roles each node service account gets: logs and metrics, nothing else. */
const NODE_ROLES = ['roles/logging.logWriter', 'roles/monitoring.metricWriter'];

/** What the PD CSI driver (on the workers, credentials from metadata) needs to attach disks. */
export const PD_CSI_PERMISSIONS = [
  'compute.instances.get',
  'compute.instances.attachDisk',
  'compute.instances.detachDisk',
];

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export class GcpCluster extends pulumi.ComponentResource {
  readonly cluster: Cluster;
  readonly controlPlaneAddress: pulumi.Output<string>;
  readonly ingressAddress: pulumi.Output<string>;
  /** The range the VPC routes to the workers, for MetalLB. */
  readonly metallbPoolRange: string;
  readonly kubeconfig: pulumi.Output<string>;
  /** How to reach each node for debugging (IAP, no public SSH). */
  readonly sshCommands: pulumi.Output<string[]>;

  constructor(name: string, c: GcpConfig, opts?: pulumi.ComponentResourceOptions) {
    super('k8s-platform:cluster:GcpCluster', name, {}, opts);
    const gcpProvider = new gcp.Provider(
      `${name}-gcp`,
      { project: c.project, region: c.region, zone: c.zone },
      { parent: this },
    );
    // The APIs the stack uses, enabled by the stack (left enabled on destroy).
    const apis = REQUIRED_APIS.map(
      (api) =>
        new gcp.projects.Service(
          api.split('.')[0] ?? api,
          { service: api, project: c.project, disableOnDestroy: false },
          { parent: this, provider: gcpProvider },
        ),
    );
    const g = { parent: this, provider: gcpProvider, dependsOn: apis };
    const n = c.name;
    const tags = { node: `${n}-node`, controlPlane: `${n}-control-plane`, worker: `${n}-worker` };

    // --- Network --------------------------------------------------------------------------
    const vpc = new gcp.compute.Network(n, { name: n, autoCreateSubnetworks: false }, g);
    const subnet = new gcp.compute.Subnetwork(
      n,
      {
        name: n,
        network: vpc.id,
        region: c.region,
        ipCidrRange: c.network.subnetCidr,
        privateIpGoogleAccess: true,
      },
      g,
    );
    // Egress for nodes without public addresses (packages, images).
    const router = new gcp.compute.Router(n, { name: n, network: vpc.id, region: c.region }, g);
    new gcp.compute.RouterNat(
      n,
      {
        name: n,
        router: router.name,
        region: c.region,
        natIpAllocateOption: 'AUTO_ONLY',
        sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
      },
      g,
    );
    const firewall = (
      suffix: string,
      allows: { protocol: string; ports?: string[] }[],
      sourceRanges: pulumi.Input<string>[],
      targetTags: string[],
    ) =>
      new gcp.compute.Firewall(
        `${n}-${suffix}`,
        {
          name: `${n}-${suffix}`,
          network: vpc.id,
          direction: 'INGRESS',
          allows,
          sourceRanges,
          targetTags,
        },
        g,
      );
    // Between nodes and pods: everything, including Calico's VXLAN (UDP 4789) and IP-in-IP.
    firewall(
      'internal',
      [{ protocol: 'tcp' }, { protocol: 'udp' }, { protocol: 'icmp' }, { protocol: 'ipip' }],
      [c.network.subnetCidr, c.network.podCidr],
      [tags.node],
    );
    firewall('ssh-from-iap', [{ protocol: 'tcp', ports: ['22'] }], [IAP_RANGE], [tags.node]);
    firewall(
      'api-from-admins',
      [{ protocol: 'tcp', ports: ['6443'] }],
      [...c.adminCidrs],
      [tags.controlPlane],
    );
    firewall(
      'http-to-workers',
      [{ protocol: 'tcp', ports: ['80', '443'] }],
      ['0.0.0.0/0'],
      [tags.worker],
    );
    firewall('lb-health-checks', [{ protocol: 'tcp', ports: ['10256'] }], HEALTH_CHECK_RANGES, [
      tags.worker,
    ]);

    // --- Trust material and where the nodes read it ------------------------------------------
    const pki = new ClusterPki(n, { parent: this });
    const accounts = {
      controlPlane: new gcp.serviceaccount.Account(
        `${n}-cp`,
        { accountId: `${n}-cp`.slice(0, 30), displayName: `${n} control plane` },
        g,
      ),
      worker: new gcp.serviceaccount.Account(
        `${n}-worker`,
        { accountId: `${n}-worker`.slice(0, 30), displayName: `${n} workers` },
        g,
      ),
    };
    for (const [who, account] of Object.entries(accounts)) {
      for (const role of NODE_ROLES) {
        new gcp.projects.IAMMember(
          `${n}-${who}-${role.split('/')[1] ?? role}`,
          { project: c.project, role, member: pulumi.interpolate`serviceAccount:${account.email}` },
          g,
        );
      }
    }
    // The PD CSI driver runs on the workers with their credentials: disks, and attaching them.
    const pdRole = new gcp.projects.IAMCustomRole(
      `${n}-pd-csi`,
      {
        roleId: `${n.replace(/-/g, '_')}_pd_csi`,
        title: `${n} PD CSI attach`,
        permissions: PD_CSI_PERMISSIONS,
        project: c.project,
      },
      g,
    );
    const workerMember = pulumi.interpolate`serviceAccount:${accounts.worker.email}`;
    for (const [suffix, role] of [
      ['storage-admin', 'roles/compute.storageAdmin'],
      ['pd-csi', pdRole.name],
    ] as const) {
      new gcp.projects.IAMMember(
        `${n}-worker-${suffix}`,
        { project: c.project, role, member: workerMember },
        g,
      );
    }

    const names = secretNames(n);
    const secret = (
      key: keyof typeof names,
      value: pulumi.Output<string>,
      readers: gcp.serviceaccount.Account[],
    ) => {
      const s = new gcp.secretmanager.Secret(
        names[key],
        { secretId: names[key], replication: { auto: {} } },
        g,
      );
      const version = new gcp.secretmanager.SecretVersion(
        names[key],
        { secret: s.id, secretData: pulumi.secret(value) },
        g,
      );
      const grants = readers.map(
        (reader, i) =>
          new gcp.secretmanager.SecretIamMember(
            `${names[key]}-reader-${i}`,
            {
              secretId: s.id,
              role: 'roles/secretmanager.secretAccessor',
              member: pulumi.interpolate`serviceAccount:${reader.email}`,
            },
            g,
          ),
      );
      return [version, ...grants];
    };
    const secrets = [
      ...secret('caKey', pki.caKeyPem, [accounts.controlPlane]),
      ...secret('encryptionKey', pki.encryptionKey, [accounts.controlPlane]),
      ...secret('bootstrapToken', pki.bootstrapToken, [accounts.controlPlane, accounts.worker]),
    ];

    // --- Nodes ------------------------------------------------------------------------------
    const internal = new gcp.compute.Address(
      `${n}-cp-internal`,
      {
        name: `${n}-cp-internal`,
        addressType: 'INTERNAL',
        subnetwork: subnet.id,
        region: c.region,
      },
      g,
    );
    const external = new gcp.compute.Address(
      `${n}-cp-public`,
      { name: `${n}-cp-public`, addressType: 'EXTERNAL', region: c.region },
      g,
    );
    const endpoint = pulumi.interpolate`${internal.address}:6443`;
    const instance = (
      id: string,
      group: { machineType: string; diskGb: number; diskType: string },
      startupScript: pulumi.Output<string>,
      account: gcp.serviceaccount.Account,
      role: 'controlPlane' | 'worker',
    ) =>
      new gcp.compute.Instance(
        id,
        {
          name: id,
          zone: c.zone,
          machineType: group.machineType,
          bootDisk: {
            initializeParams: { image: c.image, size: group.diskGb, type: group.diskType },
          },
          networkInterfaces: [
            role === 'controlPlane'
              ? {
                  subnetwork: subnet.id,
                  networkIp: internal.address,
                  accessConfigs: [{ natIp: external.address }],
                }
              : { subnetwork: subnet.id },
          ],
          // Workers receive traffic for MetalLB's addresses through VPC routes.
          canIpForward: role === 'worker',
          serviceAccount: { email: account.email, scopes: ['cloud-platform'] },
          shieldedInstanceConfig: {
            enableSecureBoot: true,
            enableVtpm: true,
            enableIntegrityMonitoring: true,
          },
          tags: [tags.node, role === 'controlPlane' ? tags.controlPlane : tags.worker],
          metadata: { 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' },
          metadataStartupScript: startupScript,
          allowStoppingForUpdate: true,
        },
        { ...g, dependsOn: [...apis, ...secrets] },
      );
    const base = { cluster: n, project: c.project, kubernetesVersion: KUBERNETES_VERSION };
    const controlPlane = instance(
      `${n}-cp-0`,
      c.controlPlane,
      pulumi
        .all([internal.address, external.address, pki.caCertPem])
        .apply(([internalIp, publicIp, caCertPem]) =>
          controlPlaneScript({
            ...base,
            internalIp,
            publicIp,
            podCidr: c.network.podCidr,
            serviceCidr: c.network.serviceCidr,
            caCertPem,
          }),
        ),
      accounts.controlPlane,
      'controlPlane',
    );
    // Workers boot in parallel with the control plane and join as soon as it answers.
    const workerScriptText = pulumi
      .all([endpoint, pki.caCertHash])
      .apply(([ep, caCertHash]) => workerScript({ ...base, endpoint: ep, caCertHash }));
    const workers = Array.from({ length: c.workers.count }, (_, i) =>
      instance(`${n}-worker-${i}`, c.workers, workerScriptText, accounts.worker, 'worker'),
    );

    // --- Load balancing that works on GCE -----------------------------------------------------
    // MetalLB's range, routed to the workers (equal-cost routes, one per worker).
    workers.forEach(
      (w, i) =>
        new gcp.compute.Route(
          `${n}-metallb-${i}`,
          {
            name: `${n}-metallb-${i}`,
            network: vpc.id,
            destRange: c.network.metallbRange,
            nextHopInstance: w.selfLink,
            priority: 1000,
          },
          g,
        ),
    );
    // The ingress controller's public address: a passthrough network load balancer in front
    // of the workers; kube-proxy's health endpoint (10256) says which can take traffic.
    const ingressAddress = new gcp.compute.Address(
      `${n}-ingress`,
      { name: `${n}-ingress`, addressType: 'EXTERNAL', region: c.region },
      g,
    );
    const health = new gcp.compute.HttpHealthCheck(
      `${n}-ingress`,
      { name: `${n}-ingress`, port: 10256, requestPath: '/healthz' },
      g,
    );
    const pool = new gcp.compute.TargetPool(
      `${n}-ingress`,
      {
        name: `${n}-ingress`,
        region: c.region,
        instances: workers.map((w) => w.selfLink),
        healthChecks: health.name,
      },
      g,
    );
    for (const port of ['80', '443']) {
      new gcp.compute.ForwardingRule(
        `${n}-ingress-${port}`,
        {
          name: `${n}-ingress-${port}`,
          region: c.region,
          ipAddress: ingressAddress.address,
          ipProtocol: 'TCP',
          portRange: port,
          target: pool.selfLink,
          loadBalancingScheme: 'EXTERNAL',
        },
        g,
      );
    }

    // --- Admin access, readiness, CNI -----------------------------------------------------
    const kubeconfig = pulumi.secret(
      pulumi
        .all([external.address, pki.caCertPem, pki.adminCertPem, pki.adminKeyPem])
        .apply(([ip, ca, cert, key]) => adminKubeconfig(n, `https://${ip}:6443`, ca, cert, key)),
    );
    const wait = (mode: 'api' | 'nodes', deps: pulumi.Resource[]) => {
      const run = `"${process.execPath}" --require ts-node/register/transpile-only infra/cluster/gcp/wait-ready.ts ${mode}`;
      return new command.local.Command(
        `${n}-wait-${mode}`,
        {
          create: run,
          dir: REPO_ROOT,
          environment: {
            KUBECONFIG_CONTENT: kubeconfig,
            KUBE_CONTEXT: n,
            EXPECT_NODES: String(c.workers.count + 1),
            WAIT_MINUTES: '30',
          },
        },
        { parent: this, dependsOn: deps },
      );
    };
    const apiReady = wait('api', [controlPlane]);
    const provider = new k8s.Provider(
      `${n}-k8s`,
      { kubeconfig, context: n, enableServerSideApply: true },
      { parent: this },
    );
    const calico = new k8s.helm.v3.Release(
      'calico',
      {
        name: 'calico',
        chart: 'charts/calico',
        dependencyUpdate: true,
        namespace: 'tigera-operator',
        createNamespace: true,
        values: {
          'tigera-operator': {
            installation: {
              calicoNetwork: {
                bgp: 'Disabled',
                ipPools: [
                  {
                    name: 'default-ipv4-ippool',
                    cidr: c.network.podCidr,
                    blockSize: 26,
                    encapsulation: 'VXLAN',
                    natOutgoing: 'Enabled',
                    nodeSelector: 'all()',
                  },
                ],
              },
            },
          },
        },
      },
      { parent: this, provider, dependsOn: [apiReady] },
    );
    const nodesReady = wait('nodes', [calico, ...workers]);

    this.controlPlaneAddress = external.address;
    this.ingressAddress = ingressAddress.address;
    this.metallbPoolRange = c.network.metallbRange;
    this.kubeconfig = kubeconfig;
    this.sshCommands = pulumi
      .all([controlPlane.name, ...workers.map((w) => w.name)])
      .apply((all) =>
        all.map(
          (vm) =>
            `gcloud compute ssh ${vm} --zone ${c.zone} --project ${c.project} --tunnel-through-iap`,
        ),
      );
    this.cluster = {
      provider,
      kubeconfig: { content: kubeconfig },
      context: n,
      networking: {
        kind: 'gcp',
        project: c.project,
        region: c.region,
        metallbPoolRange: c.network.metallbRange,
        ingressAddress: ingressAddress.address,
        gcpProvider,
      },
      ready: [nodesReady],
      workers: { count: c.workers.count, machineType: c.workers.machineType },
    };
    this.registerOutputs({});
  }
}

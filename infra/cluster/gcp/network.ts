// The cluster's network: a VPC with one subnet, NAT for egress (the nodes have no public
// addresses besides the control plane's), and firewall rules that open only what is used.
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { GcpConfig, IAP_RANGE } from '../../config/gcp';
import { INGRESS_HEALTH_CHECK_NODE_PORT } from '../../config/platform';
import { EnabledApis, GoogleBase, needing } from './apis';
import { apiServerFirewalls } from './api-endpoint';

/** Google's sources of load-balancer health checks (target pools' legacy HTTP checks). */
export const HEALTH_CHECK_RANGES = ['35.191.0.0/16', '209.85.152.0/22', '209.85.204.0/22'];

/** Network tags the firewall rules target. */
export function nodeTags(cluster: string) {
  return {
    node: `${cluster}-node`,
    controlPlane: `${cluster}-control-plane`,
    worker: `${cluster}-worker`,
  };
}

export interface ClusterNetwork {
  readonly vpc: gcp.compute.Network;
  readonly subnet: gcp.compute.Subnetwork;
}

export function clusterNetwork(c: GcpConfig, apis: EnabledApis, base: GoogleBase): ClusterNetwork {
  const g = needing(base, apis, 'compute');
  const n = c.name;
  const tags = nodeTags(n);
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
  // 6443: adminCidrs, plus IAP's range when the program comes through the tunnel.
  for (const rule of apiServerFirewalls(c))
    firewall(
      rule.suffix,
      [{ protocol: 'tcp', ports: ['6443'] }],
      [...rule.sourceRanges],
      [tags.controlPlane],
    );
  firewall(
    'http-to-workers',
    [{ protocol: 'tcp', ports: ['80', '443'] }],
    ['0.0.0.0/0'],
    [tags.worker],
  );
  // The ingress Service keeps client addresses (externalTrafficPolicy: Local): kube-proxy
  // answers its health check node port with 200 only on workers that run a controller pod.
  firewall(
    'lb-health-checks',
    [{ protocol: 'tcp', ports: [String(INGRESS_HEALTH_CHECK_NODE_PORT)] }],
    HEALTH_CHECK_RANGES,
    [tags.worker],
  );
  return { vpc, subnet };
}

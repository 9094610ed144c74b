// Load balancing that works on Compute Engine, where ARP and BGP announcements reach nothing:
// MetalLB's range is routed by the VPC to the workers, and the ingress controller's public
// address is a passthrough network load balancer in front of them. The ingress Service keeps
// client addresses (externalTrafficPolicy: Local), so the balancer's health check asks kube-proxy
// on the Service's health check node port, which answers 200 only where a controller pod runs.
import * as gcp from '@pulumi/gcp';
import { GcpConfig } from '../../config/gcp';
import { INGRESS_HEALTH_CHECK_NODE_PORT } from '../../config/platform';
import { EnabledApis, GoogleBase, needing } from './apis';
import { ClusterNetwork } from './network';

export function loadBalancing(
  c: GcpConfig,
  net: ClusterNetwork,
  workers: readonly gcp.compute.Instance[],
  apis: EnabledApis,
  base: GoogleBase,
): { ingressAddress: gcp.compute.Address } {
  const g = needing(base, apis, 'compute');
  const n = c.name;
  // Equal-cost routes, one per worker.
  workers.forEach(
    (w, i) =>
      new gcp.compute.Route(
        `${n}-metallb-${i}`,
        {
          name: `${n}-metallb-${i}`,
          network: net.vpc.id,
          destRange: c.network.metallbRange,
          nextHopInstance: w.selfLink,
          priority: 1000,
        },
        g,
      ),
  );
  const ingressAddress = new gcp.compute.Address(
    `${n}-ingress`,
    { name: `${n}-ingress`, addressType: 'EXTERNAL', region: c.region },
    g,
  );
  const health = new gcp.compute.HttpHealthCheck(
    `${n}-ingress`,
    { name: `${n}-ingress`, port: INGRESS_HEALTH_CHECK_NODE_PORT, requestPath: '/healthz' },
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
  return { ingressAddress };
}

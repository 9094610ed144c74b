// How `pulumi up` reaches the API server of the gcp cluster: the choices made from the stack's
// `apiServerEndpoint` (infra/config/gcp.ts), as pure functions the cluster component and the CI
// scripts share, so that the kubeconfig, the firewall and the tunnel agree on one port.
import { API_TUNNEL_PORT, GcpConfig, IAP_RANGE } from '../../config/gcp';

/** The API server's port on the control plane. */
export const API_SERVER_PORT = 6443;

/**
 * The address the tunnel listens on. The API server's certificate must name it, whatever the
 * stack's apiServerEndpoint: kubeadm writes the certificate once, at the first boot, so a stack
 * that moves to the tunnel later could not reach its API server otherwise.
 */
export const TUNNEL_HOST = '127.0.0.1';

/** The control plane VM's name (the tunnel's target). */
export function controlPlaneVm(c: Pick<GcpConfig, 'name'>): string {
  return `${c.name}-cp-0`;
}

/** The server URL of the admin kubeconfig: the public address, or the tunnel's local end. */
export function apiServerUrl(c: Pick<GcpConfig, 'apiServerEndpoint'>, publicIp: string): string {
  return c.apiServerEndpoint === 'iap-tunnel'
    ? `https://${TUNNEL_HOST}:${API_TUNNEL_PORT}`
    : `https://${publicIp}:${API_SERVER_PORT}`;
}

/** A firewall rule that opens the API server's port to the control plane. */
export interface ApiFirewall {
  /** Suffix of the rule's name, after `<cluster>-`. */
  readonly suffix: string;
  readonly sourceRanges: readonly string[];
}

/**
 * Who may open a connection to 6443: adminCidrs always; Google's IAP forwarding range as well
 * when the program comes through the tunnel (IAP connects from that range, never from the
 * runner's own address).
 */
export function apiServerFirewalls(
  c: Pick<GcpConfig, 'adminCidrs' | 'apiServerEndpoint'>,
): ApiFirewall[] {
  const rules: ApiFirewall[] = [{ suffix: 'api-from-admins', sourceRanges: [...c.adminCidrs] }];
  if (c.apiServerEndpoint === 'iap-tunnel')
    rules.push({ suffix: 'api-from-iap', sourceRanges: [IAP_RANGE] });
  return rules;
}

/** The command that opens the tunnel, as a person runs it (CI runs it in a retry loop). */
export function tunnelCommand(c: Pick<GcpConfig, 'name' | 'zone' | 'project'>): string {
  return [
    'gcloud compute start-iap-tunnel',
    controlPlaneVm(c),
    String(API_SERVER_PORT),
    `--local-host-port=${TUNNEL_HOST}:${API_TUNNEL_PORT}`,
    `--zone ${c.zone}`,
    `--project ${c.project}`,
  ].join(' ');
}

/**
 * What the Kubernetes provider takes as the cluster's identity. pulumi-kubernetes otherwise
 * replaces the provider, and with it every object on the cluster, when the kubeconfig's server
 * changes, as it does when a stack moves between `public` and `iap-tunnel`.
 */
export function clusterIdentifier(c: Pick<GcpConfig, 'name' | 'zone' | 'project'>): string {
  return `${c.project}/${c.zone}/${c.name}`;
}

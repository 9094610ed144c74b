import { Construct } from 'constructs';
import {
  IntOrString,
  KubeNetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyPeer,
} from '../imports/k8s';
import { PodGroup } from '../../config/platform';
import { commonLabels, selectorLabels } from './labels';
import { ResolvedSpringApi } from './props';

/** A NetworkPolicy peer for pods of a platform add-on, matched by namespace name and labels. */
export function peer(group: PodGroup): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': group.namespace } },
    podSelector: { matchLabels: { ...group.podLabels } },
  };
}

function tcp(port: number | string): { protocol: string; port: IntOrString } {
  return {
    protocol: 'TCP',
    port: typeof port === 'number' ? IntOrString.fromNumber(port) : IntOrString.fromString(port),
  };
}

/** Egress the API needs: DNS always, Vault when it delivers secrets, the database when set. */
export function egressRules(api: ResolvedSpringApi): NetworkPolicyEgressRule[] {
  const rules: NetworkPolicyEgressRule[] = [
    {
      to: [peer(api.platform.dns)],
      ports: [
        { protocol: 'UDP', port: IntOrString.fromNumber(53) },
        { protocol: 'TCP', port: IntOrString.fromNumber(53) },
      ],
    },
  ];
  if (api.secretDelivery.kind === 'vault') {
    rules.push({ to: [peer(api.platform.vault)], ports: [tcp(api.platform.vault.port)] });
  }
  if (api.database) {
    // The platform's database: its pods, whichever is primary; an external one: its range.
    // (An empty `to` would open every destination: resolveSpringApi guarantees one of the two.)
    const { inCluster, cidr } = api.database;
    if (!inCluster && cidr === undefined) throw new Error('database: neither inCluster nor cidr');
    const to = inCluster ? [peer(inCluster)] : [{ ipBlock: { cidr: cidr ?? '' } }];
    rules.push({ to, ports: [tcp(api.database.port)] });
  }
  return rules;
}

/**
 * Deny everything in the namespace by default, then open exactly what the API uses: HTTP from
 * the ingress controller, the management port from Prometheus, and the egress above.
 */
export class ApiNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedSpringApi) {
    super(scope, id);
    const base = { namespace: api.namespace, labels: commonLabels(api) };
    const podSelector = { matchLabels: selectorLabels(api) };

    new KubeNetworkPolicy(this, 'default-deny', {
      metadata: { ...base, name: 'default-deny-all' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new KubeNetworkPolicy(this, 'ingress', {
      metadata: { ...base, name: `${api.name}-ingress` },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: [
          { from: [peer(api.platform.ingressController)], ports: [tcp('http')] },
          { from: [peer(api.platform.prometheus)], ports: [tcp('management')] },
        ],
      },
    });
    new KubeNetworkPolicy(this, 'egress', {
      metadata: { ...base, name: `${api.name}-egress` },
      spec: { podSelector, policyTypes: ['Egress'], egress: egressRules(api) },
    });
  }
}

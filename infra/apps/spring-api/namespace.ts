import { Construct } from 'constructs';
import { KubeNamespace } from '../imports/k8s';
import { KUBERNETES_MINOR } from '../../config/environments';
import { commonLabels } from './labels';
import { ResolvedSpringApi } from './props';

/**
 * Pod Security Admission labels: `restricted` enforced, audited and warned, pinned to the
 * cluster's minor so a cluster upgrade cannot silently change what the namespace admits.
 */
export function podSecurityLabels(level: 'restricted' = 'restricted'): Record<string, string> {
  const version = `v${KUBERNETES_MINOR}`;
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

/** The API's namespace, admitting only pods that meet the `restricted` profile. */
export class ApiNamespace extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedSpringApi) {
    super(scope, id);
    new KubeNamespace(this, 'resource', {
      metadata: { name: api.namespace, labels: { ...commonLabels(api), ...podSecurityLabels() } },
    });
  }
}

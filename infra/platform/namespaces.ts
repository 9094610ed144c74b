// Where each add-on runs: the platform's namespaces with the Pod Security level their pods need,
// and the namespace each wrapper chart installs into. Pulumi, verify, smoke and the Flux example
// tests all read these.
import { PLATFORM_ENDPOINTS } from '../config/platform';
import { CERT_MANAGER_NAMESPACE } from './certificates';
import { PlatformChart } from './charts';
import { DATABASE_OPERATOR_NAMESPACE } from './database/settings';
import { HEADLAMP } from './headlamp';
import { METRICS_NAMESPACE } from './metrics-server';

/** Namespaces of the add-ons, with the Pod Security level their pods need. */
export const PLATFORM_NAMESPACES: Readonly<
  Record<string, 'privileged' | 'baseline' | 'restricted'>
> = {
  // node-exporter reads the host (hostNetwork, hostPID, hostPath).
  [PLATFORM_ENDPOINTS.prometheus.namespace]: 'privileged',
  // MetalLB's speaker uses the host network and NET_RAW.
  'metallb-system': 'privileged',
  [PLATFORM_ENDPOINTS.ingressController.namespace]: 'baseline',
  [PLATFORM_ENDPOINTS.vault.namespace]: 'baseline',
  // metrics-server and (gcp) the kubelet CSR approver: non-root, no host access.
  [METRICS_NAMESPACE]: 'restricted',
  [HEADLAMP.namespace]: 'restricted',
  [CERT_MANAGER_NAMESPACE]: 'restricted',
  // The operator and the database pods run as non-root with a read-only root filesystem.
  [DATABASE_OPERATOR_NAMESPACE]: 'restricted',
  [PLATFORM_ENDPOINTS.database.namespace]: 'restricted',
};

/** The namespace each wrapper chart is installed into. */
export const CHART_NAMESPACES: Readonly<Record<PlatformChart, string>> = {
  'prometheus-operator-crds': PLATFORM_ENDPOINTS.prometheus.namespace,
  'kube-prometheus-stack': PLATFORM_ENDPOINTS.prometheus.namespace,
  metallb: 'metallb-system',
  'metallb-pools': 'metallb-system',
  'ingress-nginx': PLATFORM_ENDPOINTS.ingressController.namespace,
  vault: PLATFORM_ENDPOINTS.vault.namespace,
  'kubelet-csr-approver': METRICS_NAMESPACE,
  'metrics-server': METRICS_NAMESPACE,
  headlamp: HEADLAMP.namespace,
  'cert-manager': CERT_MANAGER_NAMESPACE,
  'platform-issuers': CERT_MANAGER_NAMESPACE,
  'cloudnative-pg': DATABASE_OPERATOR_NAMESPACE,
  'spring-api-database': PLATFORM_ENDPOINTS.database.namespace,
};

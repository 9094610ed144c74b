// metrics-server v0.8.0 (built from the Go module proxy) for the e2e node, with the RBAC and the
// APIService its chart creates. Two differences from the platform's install, both because the
// node runs no cert-manager: metrics-server serves a self-signed certificate that the API server
// does not verify (insecureSkipTLSVerify), and it skips the kubelets' certificates
// (--kubelet-insecure-tls), as on the minikube target.
import { E2E_IMAGES } from './cluster-images';
import { RESTRICTED_CONTAINER } from './addons';

type Obj = Record<string, unknown>;
const NS = 'kube-system';
const NAME = 'metrics-server';
const labels = { 'k8s-app': NAME };
const rbac = 'rbac.authorization.k8s.io';

const binding = (
  kind: 'ClusterRoleBinding' | 'RoleBinding',
  name: string,
  roleKind: string,
  role: string,
  namespace?: string,
): Obj => ({
  apiVersion: `${rbac}/v1`,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: rbac, kind: roleKind, name: role },
  subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NS }],
});

export function metricsServer(): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace: NS } },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: `system:${NAME}` },
      rules: [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: {
        name: 'system:aggregated-metrics-reader',
        labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
      },
      rules: [
        {
          apiGroups: ['metrics.k8s.io'],
          resources: ['pods', 'nodes'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    },
    binding('ClusterRoleBinding', `system:${NAME}`, 'ClusterRole', `system:${NAME}`),
    binding(
      'ClusterRoleBinding',
      `${NAME}:system:auth-delegator`,
      'ClusterRole',
      'system:auth-delegator',
    ),
    binding(
      'RoleBinding',
      `${NAME}-auth-reader`,
      'Role',
      'extension-apiserver-authentication-reader',
      NS,
    ),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NS, labels },
      spec: {
        selector: labels,
        ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: NAME, namespace: NS, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true },
            containers: [
              {
                name: NAME,
                image: E2E_IMAGES.metricsServer,
                imagePullPolicy: 'Never',
                args: [
                  '--cert-dir=/tmp',
                  '--secure-port=10250',
                  '--kubelet-preferred-address-types=InternalIP',
                  '--kubelet-use-node-status-port',
                  '--kubelet-insecure-tls',
                  '--metric-resolution=15s',
                ],
                ports: [{ name: 'https', containerPort: 10250, protocol: 'TCP' }],
                readinessProbe: {
                  httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' },
                  periodSeconds: 5,
                },
                resources: {
                  requests: { cpu: '50m', memory: '64Mi' },
                  limits: { memory: '256Mi' },
                },
                securityContext: RESTRICTED_CONTAINER,
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io', labels },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { name: NAME, namespace: NS, port: 443 },
        groupPriorityMinimum: 100,
        versionPriority: 100,
        insecureSkipTLSVerify: true,
      },
    },
  ];
}

// What the e2e node runs besides the API: CoreDNS (cluster DNS at the address the kubelet hands
// to pods), the custom resource definitions the manifests use (from the pinned Go modules the
// typed imports come from), and the platform's database as the pods see it: a Service
// `spring-api-db-rw` in `databases` whose endpoint is a real PostgreSQL on the node's bridge.
import { readFileSync } from 'node:fs';
import { PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { crdFile, crdSources } from '../cdk8s-import/import';
import { E2E_IMAGES } from './cluster-images';
import { DNS_SERVICE_IP, NODE_IP } from './node/config';

type Obj = Record<string, unknown>;
const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...(labels ? { labels } : {}),
});

/** A non-root, read-only container under Pod Security `restricted`. */
export const RESTRICTED_CONTAINER = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const COREFILE = `.:1053 {
    errors
    health :8080
    ready :8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
`;

/** CoreDNS as kubeadm installs it, on unprivileged ports behind the kube-dns Service. */
export function coreDns(): Obj[] {
  const labels = { 'k8s-app': 'kube-dns' };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('coredns', 'kube-system') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('e2e:coredns'),
      rules: [
        {
          apiGroups: [''],
          resources: ['endpoints', 'services', 'pods', 'namespaces'],
          verbs: ['list', 'watch'],
        },
        {
          apiGroups: ['discovery.k8s.io'],
          resources: ['endpointslices'],
          verbs: ['list', 'watch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta('e2e:coredns'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'e2e:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('coredns', 'kube-system'),
      data: { Corefile: COREFILE },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('coredns', 'kube-system', labels),
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            dnsPolicy: 'Default',
            securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true },
            containers: [
              {
                name: 'coredns',
                image: E2E_IMAGES.coredns,
                imagePullPolicy: 'Never',
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 1053, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 1053, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10 },
                resources: {
                  requests: { cpu: '50m', memory: '64Mi' },
                  limits: { memory: '128Mi' },
                },
                securityContext: RESTRICTED_CONTAINER,
                volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('kube-dns', 'kube-system', labels),
      spec: {
        clusterIP: DNS_SERVICE_IP,
        selector: labels,
        ports: [
          { name: 'dns', port: 53, targetPort: 1053, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, targetPort: 1053, protocol: 'TCP' },
        ],
      },
    },
  ];
}

/** The database's Service without a selector, its endpoint PostgreSQL on the node's bridge. */
export function databaseEndpoint(): Obj[] {
  const { service: name, namespace, port } = PLATFORM_ENDPOINTS.database;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace) },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(name, namespace),
      spec: { ports: [{ name: 'postgres', port, targetPort: port, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta(`${name}-node`, namespace, { 'kubernetes.io/service-name': name }),
      addressType: 'IPv4',
      endpoints: [{ addresses: [NODE_IP], conditions: { ready: true } }],
      ports: [{ name: 'postgres', port, protocol: 'TCP' }],
    },
  ];
}

/** The CRDs of the custom kinds the manifests use, exactly as the typed imports read them. */
export function customResourceDefinitions(): string[] {
  return crdSources().map((source) => readFileSync(crdFile(source), 'utf8'));
}

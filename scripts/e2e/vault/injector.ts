// The Vault agent injector as the platform's chart installs it (charts/vault: hashicorp/vault
// 0.34.1 with fullnameOverride `vault`, its injector enabled with the chart's defaults): vault-k8s
// in namespace `vault`, generating its own serving certificate and writing its CA into the
// MutatingWebhookConfiguration (the chart's AGENT_INJECT_TLS_AUTO), with the chart's RBAC,
// probes, selectors and failure policy. The chart pins vault-k8s 1.7.6; the Go proxy serves only
// 1.6.2 here, which is what runs. Vault itself is the node's OpenBao behind a selector-less
// Service named like the chart's (`vault`), so the injected agents use the chart's address.
import { E2E_IMAGES } from '../cluster-images';
import { RESTRICTED_CONTAINER } from '../addons';
import { NODE_IP } from '../node/config';
import { VAULT_PORT } from './server';

type Obj = Record<string, unknown>;

/** Names the chart gives the injector's objects (fullnameOverride `vault`). */
export const INJECTOR = {
  namespace: 'vault',
  name: 'vault-agent-injector',
  service: 'vault-agent-injector-svc',
  webhook: 'vault-agent-injector-cfg',
  clusterRole: 'vault-agent-injector-clusterrole',
  /** The injected init container's name (vault-k8s). */
  initContainer: 'vault-agent-init',
} as const;

/** Vault's address as the chart hands it to the injector (its server Service). */
export const CHART_VAULT_ADDR = `http://vault.${INJECTOR.namespace}.svc:${VAULT_PORT}`;

export interface InjectorProps {
  /** Image of vault-k8s. @default E2E_IMAGES.injector */
  readonly image?: string;
  /** Image of the injected agent. @default E2E_IMAGES.agent */
  readonly agentImage?: string;
  /** Address the injected agents reach Vault at. @default CHART_VAULT_ADDR */
  readonly vaultAddr?: string;
  /** The injector's log level. @default "info" */
  readonly logLevel?: string;
}

const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...(labels ? { labels } : {}),
});

/** The chart's selector labels of the injector's pod. */
export const INJECTOR_LABELS = {
  'app.kubernetes.io/name': INJECTOR.name,
  'app.kubernetes.io/instance': 'vault',
  component: 'webhook',
};

/** The chart's environment for `vault-k8s agent-inject`, with the e2e's images and address. */
export function injectorEnv(props: InjectorProps = {}): { name: string; value: string }[] {
  const ns = INJECTOR.namespace;
  const env: Record<string, string> = {
    AGENT_INJECT_LISTEN: ':8080',
    AGENT_INJECT_LOG_LEVEL: props.logLevel ?? 'info',
    AGENT_INJECT_VAULT_ADDR: props.vaultAddr ?? CHART_VAULT_ADDR,
    AGENT_INJECT_VAULT_AUTH_PATH: 'auth/kubernetes',
    AGENT_INJECT_VAULT_IMAGE: props.agentImage ?? E2E_IMAGES.agent,
    AGENT_INJECT_TLS_AUTO: INJECTOR.webhook,
    AGENT_INJECT_TLS_AUTO_HOSTS: [
      INJECTOR.service,
      `${INJECTOR.service}.${ns}`,
      `${INJECTOR.service}.${ns}.svc`,
    ].join(','),
    AGENT_INJECT_LOG_FORMAT: 'standard',
    AGENT_INJECT_REVOKE_ON_SHUTDOWN: 'false',
    AGENT_INJECT_CPU_REQUEST: '250m',
    AGENT_INJECT_CPU_LIMIT: '500m',
    AGENT_INJECT_MEM_REQUEST: '64Mi',
    AGENT_INJECT_MEM_LIMIT: '128Mi',
    AGENT_INJECT_DEFAULT_TEMPLATE: 'map',
    AGENT_INJECT_TEMPLATE_CONFIG_EXIT_ON_RETRY_FAILURE: 'true',
  };
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

/** The chart's webhook: pods on CREATE, everywhere except the injector itself, failure ignored. */
export function injectorWebhook(caBundle = ''): Obj {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: meta(INJECTOR.webhook, undefined, { 'app.kubernetes.io/name': INJECTOR.name }),
    webhooks: [
      {
        name: 'vault.hashicorp.com',
        failurePolicy: 'Ignore',
        matchPolicy: 'Exact',
        sideEffects: 'None',
        timeoutSeconds: 30,
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: {
          service: { name: INJECTOR.service, namespace: INJECTOR.namespace, path: '/mutate' },
          ...(caBundle ? { caBundle } : {}),
        },
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
        ],
        objectSelector: {
          matchExpressions: [
            { key: 'app.kubernetes.io/name', operator: 'NotIn', values: [INJECTOR.name] },
          ],
        },
      },
    ],
  };
}

const probe = (failureThreshold: number, periodSeconds: number) => ({
  httpGet: { path: '/health/ready', port: 8080, scheme: 'HTTPS' },
  failureThreshold,
  initialDelaySeconds: 5,
  periodSeconds,
  successThreshold: 1,
  timeoutSeconds: 5,
});

/** Every object of the injector, and Vault's Service pointing at the node's OpenBao. */
export function injectorObjects(props: InjectorProps = {}): Obj[] {
  const ns = INJECTOR.namespace;
  const sa = INJECTOR.name;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(sa, ns) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(INJECTOR.clusterRole),
      rules: [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['mutatingwebhookconfigurations'],
          verbs: ['get', 'list', 'watch', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta('vault-agent-injector-binding'),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: INJECTOR.clusterRole,
      },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(INJECTOR.name, ns, INJECTOR_LABELS),
      spec: {
        replicas: 1,
        selector: { matchLabels: INJECTOR_LABELS },
        template: {
          metadata: { labels: INJECTOR_LABELS },
          spec: {
            serviceAccountName: sa,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 100,
              runAsGroup: 1000,
              fsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'sidecar-injector',
                image: props.image ?? E2E_IMAGES.injector,
                imagePullPolicy: 'Never',
                command: ['/vault-k8s'],
                args: ['agent-inject'],
                env: [
                  ...injectorEnv(props),
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ],
                livenessProbe: probe(2, 2),
                readinessProbe: probe(2, 2),
                startupProbe: probe(12, 5),
                resources: {
                  requests: { cpu: '25m', memory: '64Mi' },
                  limits: { memory: '128Mi' },
                },
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(INJECTOR.service, ns, { 'app.kubernetes.io/name': INJECTOR.name }),
      spec: { selector: INJECTOR_LABELS, ports: [{ name: 'https', port: 443, targetPort: 8080 }] },
    },
    injectorWebhook(),
    // The chart's server Service, its endpoint the node's OpenBao on the bridge.
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('vault', ns, { 'app.kubernetes.io/name': 'vault' }),
      spec: { ports: [{ name: 'http', port: VAULT_PORT, targetPort: VAULT_PORT }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta('vault-node', ns, { 'kubernetes.io/service-name': 'vault' }),
      addressType: 'IPv4',
      endpoints: [{ addresses: [NODE_IP], conditions: { ready: true } }],
      ports: [{ name: 'http', port: VAULT_PORT, protocol: 'TCP' }],
    },
  ];
}

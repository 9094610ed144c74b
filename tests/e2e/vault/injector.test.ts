import {
  CHART_VAULT_ADDR,
  INJECTOR,
  injectorEnv,
  injectorObjects,
  injectorWebhook,
} from '../../../scripts/e2e/vault/injector';

type Obj = Record<string, any>;
const webhook = (ca?: string): Obj => injectorWebhook(ca);

const env = Object.fromEntries(injectorEnv().map((e) => [e.name, e.value]));
const objects = injectorObjects() as Obj[];
const find = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name)!;

describe('injectorEnv: the chart environment of vault-k8s agent-inject', () => {
  it("points the agents at the chart's Vault Service and the e2e's OpenBao image", () => {
    expect(CHART_VAULT_ADDR).toBe('http://vault.vault.svc:8200');
    expect(env.AGENT_INJECT_VAULT_ADDR).toBe(CHART_VAULT_ADDR);
    expect(env.AGENT_INJECT_VAULT_IMAGE).toBe('e2e.local/openbao:2.7.2');
    expect(env.AGENT_INJECT_VAULT_AUTH_PATH).toBe('auth/kubernetes');
  });
  it('generates its serving certificate for the Service names and patches the webhook', () => {
    expect(env.AGENT_INJECT_TLS_AUTO).toBe(INJECTOR.webhook);
    expect(env.AGENT_INJECT_TLS_AUTO_HOSTS).toBe(
      'vault-agent-injector-svc,vault-agent-injector-svc.vault,vault-agent-injector-svc.vault.svc',
    );
  });
  it('takes overrides', () => {
    const e = injectorEnv({ vaultAddr: 'http://x:8200', logLevel: 'debug', agentImage: 'a:1' });
    expect(e).toEqual(
      expect.arrayContaining([
        { name: 'AGENT_INJECT_VAULT_ADDR', value: 'http://x:8200' },
        { name: 'AGENT_INJECT_LOG_LEVEL', value: 'debug' },
        { name: 'AGENT_INJECT_VAULT_IMAGE', value: 'a:1' },
      ]),
    );
  });
});

describe('injectorWebhook: as the chart registers it', () => {
  const hook = webhook().webhooks[0];
  it('mutates pods on CREATE through the Service at /mutate, ignoring failures', () => {
    expect(hook.rules).toEqual([
      { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
    ]);
    expect(hook.clientConfig.service).toEqual({
      name: 'vault-agent-injector-svc',
      namespace: 'vault',
      path: '/mutate',
    });
    expect(hook.failurePolicy).toBe('Ignore');
    expect(hook.sideEffects).toBe('None');
  });
  it("leaves the injector's own pods alone", () => {
    expect(hook.objectSelector.matchExpressions).toEqual([
      { key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['vault-agent-injector'] },
    ]);
  });
  it('has no CA bundle until the injector writes one, unless given', () => {
    expect(hook.clientConfig.caBundle).toBeUndefined();
    expect(webhook('Q0E=').webhooks[0].clientConfig.caBundle).toBe('Q0E=');
  });
});

describe('injectorObjects', () => {
  const pod = find('Deployment', 'vault-agent-injector').spec.template.spec;
  it('runs vault-k8s agent-inject from the imported image, never pulled', () => {
    expect(pod.containers[0]).toMatchObject({
      image: 'e2e.local/vault-k8s:1.6.2',
      imagePullPolicy: 'Never',
      command: ['/vault-k8s'],
      args: ['agent-inject'],
    });
  });
  it("runs as the chart's user 100, non-root, read-only, no capabilities", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100 });
    expect(pod.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });
  it('may patch mutating webhooks (tls-auto) and nothing else', () => {
    expect(find('ClusterRole', INJECTOR.clusterRole).rules).toEqual([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
        verbs: ['get', 'list', 'watch', 'patch'],
      },
    ]);
  });
  it("puts the node's OpenBao behind the chart's Service vault/vault", () => {
    expect(find('Service', 'vault').spec.selector).toBeUndefined();
    expect(find('EndpointSlice', 'vault-node').endpoints).toEqual([
      { addresses: ['10.244.0.1'], conditions: { ready: true } },
    ]);
  });
});

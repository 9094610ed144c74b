import {
  agentLogFailures,
  configSourcesFailures,
  logSpanSeconds,
  podTimings,
  refusedLogin,
  secretFileFailures,
  wrongRolePod,
} from '../../../scripts/e2e/vault/checks';

const DIR = '/etc/spring-api/secrets';
const PROPS = ['app.api-key', 'spring.datasource.password'];

describe('secretFileFailures: stat -c "%a %u %n" of the rendered files', () => {
  const expected = { mode: '400', uid: 10001 };
  it('passes files of the expected mode and owner', () => {
    const out = PROPS.map((p) => `400 10001 ${DIR}/${p}`).join('\n');
    expect(secretFileFailures(out, DIR, PROPS, expected)).toEqual([]);
  });
  it('names a missing file', () => {
    expect(secretFileFailures(`400 10001 ${DIR}/app.api-key`, DIR, PROPS, expected)).toEqual([
      `${DIR}/spring.datasource.password is missing`,
    ]);
  });
  it('names a file of another mode or owner', () => {
    const out = `644 100 ${DIR}/app.api-key\n400 10001 ${DIR}/spring.datasource.password`;
    expect(secretFileFailures(out, DIR, PROPS, expected)).toEqual([
      `${DIR}/app.api-key is mode 644 owned by 100, expected 400 owned by 10001`,
    ]);
  });
});

describe('configSourcesFailures: the staging report', () => {
  const report = (kind: string, origin: (p: string) => string) =>
    JSON.stringify({
      sources: [],
      properties: Object.fromEntries(
        PROPS.map((p) => [p, { set: true, source: 'Config tree', kind, origin: origin(p) }]),
      ),
    });
  const fromFolder = report('secrets-folder', (p) => `${DIR}/${p}`);
  it('passes both properties from their files in the secrets folder', () => {
    expect(configSourcesFailures(fromFolder, DIR, PROPS, ['s3cret'])).toEqual([]);
  });
  it('names a property that comes from elsewhere', () => {
    const env = report('environment', () => 'System Environment Property "APP_API_KEY"');
    expect(configSourcesFailures(env, DIR, ['app.api-key'], [])).toEqual([
      `app.api-key should come from ${DIR}/app.api-key (secrets-folder), came from {"set":true,"source":"Config tree","kind":"environment","origin":"System Environment Property \\"APP_API_KEY\\""}`,
    ]);
  });
  it('names an unset property', () => {
    expect(configSourcesFailures('{"properties":{}}', DIR, ['app.api-key'], [])).toEqual([
      `app.api-key should come from ${DIR}/app.api-key (secrets-folder), came from undefined`,
    ]);
  });
  it('catches a secret value in the report', () => {
    expect(configSourcesFailures(fromFolder, DIR, PROPS, ['secrets-folder'])).toEqual([
      'the report shows a secret value',
    ]);
  });
  it('reports an answer that is not JSON', () => {
    expect(configSourcesFailures('<html>', DIR, PROPS, [])).toEqual(['not JSON: <html>']);
  });
});

describe("agentLogFailures: the init container's log", () => {
  const files = PROPS.map((p) => `${DIR}/${p}`);
  const ok = [
    '[INFO]  agent.auth.handler: authentication successful, sending token to sinks',
    ...files.map((f) => `[INFO]  agent: (runner) rendered "(dynamic)" => "${f}"`),
  ].join('\n');
  it('passes a login and every file rendered', () => {
    expect(agentLogFailures(ok, files)).toEqual([]);
  });
  it('names what is missing', () => {
    expect(agentLogFailures('[INFO] starting', files.slice(0, 1))).toEqual([
      'no "authentication successful"',
      `no "rendered ... ${DIR}/app.api-key"`,
    ]);
  });
});

describe('refusedLogin: the readable refusal of a wrong role', () => {
  it("finds OpenBao's invalid role name line", () => {
    const log =
      '[INFO] auth started\n[ERROR] agent.auth.handler: error authenticating: error="Code: 400. Errors: * invalid role name \\"nope\\""\n';
    expect(refusedLogin(log, 'nope')).toMatch(
      /^\[ERROR\] agent\.auth\.handler: .*invalid role name/,
    );
  });
  it('finds permission denied', () => {
    expect(refusedLogin('x\n* permission denied\n', 'nope')).toBe('* permission denied');
  });
  it('is undefined when the log shows no refusal', () => {
    expect(refusedLogin('[INFO] authentication successful', 'nope')).toBeUndefined();
  });
});

describe('podTimings', () => {
  const pod = {
    metadata: { creationTimestamp: '2026-12-01T00:00:00Z' },
    status: {
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-01T00:00:14Z' }],
      initContainerStatuses: [
        {
          name: 'vault-agent-init',
          state: {
            terminated: {
              exitCode: 0,
              startedAt: '2026-12-01T00:00:02Z',
              finishedAt: '2026-12-01T00:00:03Z',
            },
          },
        },
      ],
    },
  };
  it('measures creation to Ready and the init container run', () => {
    expect(podTimings(pod, 'vault-agent-init')).toEqual({ toReady: 14, init: 1, initExit: 0 });
  });
  it('gives NaN and no exit code while not Ready and not terminated', () => {
    const t = podTimings({ ...pod, status: {} }, 'vault-agent-init');
    expect(t.toReady).toBeNaN();
    expect(t.init).toBeNaN();
    expect(t.initExit).toBeUndefined();
  });
});

describe('wrongRolePod: the Deployment template asking for another role', () => {
  const deployment = {
    metadata: { name: 'spring-api', namespace: 'spring-api' },
    spec: {
      template: {
        metadata: {
          labels: { 'app.kubernetes.io/name': 'spring-api' },
          annotations: {
            'vault.hashicorp.com/agent-inject': 'true',
            'vault.hashicorp.com/role': 'spring-api',
          },
        },
        spec: {
          serviceAccountName: 'spring-api',
          securityContext: { runAsUser: 10001 },
          containers: [{ name: 'api', image: 'api:1', securityContext: { runAsNonRoot: true } }],
          volumes: [
            { name: 'config', configMap: { name: 'spring-api-config' } },
            { name: 'vault-token', projected: { sources: [] } },
          ],
        },
      },
    },
  };
  const pod = wrongRolePod(deployment, { name: 'wrong', role: 'wrong', image: 'busybox:e2e' });
  const spec = pod.spec as Record<string, unknown>;
  it('keeps every annotation but the role, which it replaces', () => {
    expect((pod.metadata as { annotations: unknown }).annotations).toEqual({
      'vault.hashicorp.com/agent-inject': 'true',
      'vault.hashicorp.com/role': 'wrong',
    });
  });
  it('has labels of its own, so no Service or ReplicaSet selects it', () => {
    expect((pod.metadata as { labels: unknown }).labels).toEqual({
      'app.kubernetes.io/name': 'wrong',
    });
  });
  it("keeps the service account, the pod's security context and the token volume", () => {
    expect(spec.serviceAccountName).toBe('spring-api');
    expect(spec.securityContext).toEqual({ runAsUser: 10001 });
    expect(spec.volumes).toEqual([{ name: 'vault-token', projected: { sources: [] } }]);
  });
  it("runs a small shell container under the API container's security context", () => {
    expect(spec.containers).toEqual([
      expect.objectContaining({
        image: 'busybox:e2e',
        imagePullPolicy: 'Never',
        securityContext: { runAsNonRoot: true },
      }),
    ]);
  });
});

describe('logSpanSeconds', () => {
  it('measures from the first to the last timestamped line, in milliseconds', () => {
    const log = [
      '2026-12-01T05:38:40.100Z [INFO]  agent: starting',
      '  | continuation without a stamp',
      '2026-12-01T05:38:40.550Z [INFO]  agent: (runner) rendered',
    ].join('\n');
    expect(logSpanSeconds(log)).toBeCloseTo(0.45);
  });
  it('is NaN with fewer than two stamps', () => {
    expect(logSpanSeconds('2026-12-01T05:38:40Z one line')).toBeNaN();
  });
});

import { CONFIG_IMPORT } from '../../../infra/apps/spring-api/managed';
import { environmentName } from '../../../infra/apps/spring-api/spring-names';
import { PROBE_PATHS } from '../../../infra/apps/spring-api/workload';
import {
  apiContainerOf,
  find,
  minimalProps,
  podAnnotations,
  podSpec,
  render,
} from '../../support/fixtures';

const vaultObjects = render(
  minimalProps({
    autoscaling: { minReplicas: 3, maxReplicas: 6 },
    settings: { 'app.greeting': 'hello' },
    environment: { JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=70' },
  }),
);
const devObjects = render(
  minimalProps({
    replicas: 1,
    secretDelivery: { kind: 'kubernetes', values: { 'app.api-key': 'k3y' } },
  }),
);

describe('Namespace', () => {
  it('enforces, audits and warns Pod Security restricted at v1.32', () => {
    const labels = (find(vaultObjects, 'Namespace').metadata.labels ?? {}) as Record<
      string,
      string
    >;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
      expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe('v1.32');
    }
  });
  it('comes first, so it exists before anything placed in it', () => {
    expect(vaultObjects[0]?.kind).toBe('Namespace');
  });
});

describe('ServiceAccount and RBAC', () => {
  it('mounts no token and grants nothing', () => {
    expect((find(vaultObjects, 'ServiceAccount') as any).automountServiceAccountToken).toBe(false);
    expect(podSpec(vaultObjects).automountServiceAccountToken).toBe(false);
    expect(vaultObjects.filter((o) => /Role/.test(o.kind))).toEqual([]);
  });
});

describe('ConfigMap', () => {
  const data = (find(vaultObjects, 'ConfigMap') as any).data as Record<string, string>;
  const container = apiContainerOf(vaultObjects);

  it('holds managed and user properties and the environment variables', () => {
    expect(data).toMatchObject({
      'server.port': '8080',
      'management.server.port': '8081',
      'server.shutdown': 'graceful',
      'spring.lifecycle.timeout-per-shutdown-phase': '20s',
      'management.endpoint.health.probes.enabled': 'true',
      'app.greeting': 'hello',
      JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=70',
      SPRING_CONFIG_IMPORT: CONFIG_IMPORT,
    });
  });
  it('feeds its UPPER_CASE keys as environment variables', () => {
    expect(container.env).toEqual([
      {
        name: 'JAVA_TOOL_OPTIONS',
        valueFrom: { configMapKeyRef: { name: 'spring-api-config', key: 'JAVA_TOOL_OPTIONS' } },
      },
      {
        name: 'SPRING_CONFIG_IMPORT',
        valueFrom: { configMapKeyRef: { name: 'spring-api-config', key: 'SPRING_CONFIG_IMPORT' } },
      },
    ]);
  });
  it('mounts its property keys, and only those, as files of a config tree', () => {
    const volume = podSpec(vaultObjects).volumes.find((v: any) => v.name === 'config');
    const paths = volume.configMap.items.map((i: any) => i.path);
    expect(paths).toContain('app.greeting');
    expect(paths).not.toContain('JAVA_TOOL_OPTIONS');
    expect(container.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/spring-api/config',
      readOnly: true,
    });
    expect(CONFIG_IMPORT).toBe(
      'optional:configtree:/etc/spring-api/config/,optional:configtree:/etc/spring-api/secrets/',
    );
  });
  it('rolls the pods when its data changes', () => {
    const other = render(minimalProps({ settings: { 'app.greeting': 'bye' } }));
    expect(podAnnotations(other)['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
    expect(podAnnotations(other)['checksum/config']).not.toBe(
      podAnnotations(vaultObjects)['checksum/config'],
    );
  });
});

describe('secrets delivered by a Kubernetes Secret (dev)', () => {
  it('stores each property base64-encoded under its property name', () => {
    expect((find(devObjects, 'Secret') as any).data).toEqual({
      'app.api-key': Buffer.from('k3y').toString('base64'),
    });
  });
  it('exposes it as the environment variable Spring binds to the property', () => {
    expect(environmentName('app.api-key')).toBe('APP_APIKEY');
    expect(environmentName('spring.datasource.password')).toBe('SPRING_DATASOURCE_PASSWORD');
    expect(apiContainerOf(devObjects).env).toContainEqual({
      name: 'APP_APIKEY',
      valueFrom: { secretKeyRef: { name: 'spring-api-secrets', key: 'app.api-key' } },
    });
  });
  it('and as files in the secrets folder, readable by the pod group only', () => {
    expect(podSpec(devObjects).volumes).toContainEqual({
      name: 'secrets',
      secret: { secretName: 'spring-api-secrets', defaultMode: 0o440 },
    });
    expect(apiContainerOf(devObjects).volumeMounts).toContainEqual({
      name: 'secrets',
      mountPath: '/etc/spring-api/secrets',
      readOnly: true,
    });
  });
  it('needs no Vault annotations or token', () => {
    expect(Object.keys(podAnnotations(devObjects)).filter((k) => k.startsWith('vault.'))).toEqual(
      [],
    );
    expect(podSpec(devObjects).volumes.map((v: any) => v.name)).not.toContain('vault-token');
  });
});

describe('secrets delivered by the Vault agent (staging, prod)', () => {
  const annotations = podAnnotations(vaultObjects);
  it('asks the injector for a pre-populated secrets folder with the API role', () => {
    expect(annotations).toMatchObject({
      'vault.hashicorp.com/agent-inject': 'true',
      'vault.hashicorp.com/agent-pre-populate-only': 'true',
      'vault.hashicorp.com/role': 'spring-api',
      'vault.hashicorp.com/secret-volume-path': '/etc/spring-api/secrets',
      'vault.hashicorp.com/agent-run-as-user': '10001',
    });
  });
  it('renders one file per property holding only its value', () => {
    expect(annotations['vault.hashicorp.com/agent-inject-secret-app.api-key']).toBe(
      'secret/data/spring-api',
    );
    expect(annotations['vault.hashicorp.com/agent-inject-template-app.api-key']).toBe(
      '{{- with secret "secret/data/spring-api" -}}{{ index .Data.data "app.api-key" }}{{- end -}}',
    );
    expect(annotations['vault.hashicorp.com/agent-inject-perms-app.api-key']).toBe('0400');
  });
  it('gives the agent a short-lived token for audience "vault" that the API never mounts', () => {
    expect(annotations['vault.hashicorp.com/agent-service-account-token-volume-name']).toBe(
      'vault-token',
    );
    const volume = podSpec(vaultObjects).volumes.find((v: any) => v.name === 'vault-token');
    expect(volume.projected.sources[0].serviceAccountToken).toEqual({
      path: 'token',
      audience: 'vault',
      expirationSeconds: 600,
    });
    expect(apiContainerOf(vaultObjects).volumeMounts.map((m: any) => m.name)).not.toContain(
      'vault-token',
    );
  });
  it('creates no Secret and no secret environment variables', () => {
    expect(vaultObjects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(apiContainerOf(vaultObjects).env.map((e: any) => e.name)).not.toContain('APP_APIKEY');
  });
});

describe('Deployment', () => {
  const container = apiContainerOf(vaultObjects);
  const spec = podSpec(vaultObjects);
  const deployment = find(vaultObjects, 'Deployment') as any;

  it('probes actuator health groups on the management port', () => {
    expect(container.startupProbe.httpGet).toEqual({
      path: PROBE_PATHS.liveness,
      port: 'management',
    });
    expect(container.readinessProbe.httpGet).toEqual({
      path: '/actuator/health/readiness',
      port: 'management',
    });
    expect(container.livenessProbe.httpGet).toEqual({
      path: '/actuator/health/liveness',
      port: 'management',
    });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'management', containerPort: 8081, protocol: 'TCP' },
    ]);
  });
  it('gives start-up two minutes before the kubelet restarts the container', () => {
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBe(
      120,
    );
  });
  it('never drops below the desired replicas while rolling', () => {
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });
  it('pauses before SIGTERM and leaves time to drain', () => {
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    expect(spec.terminationGracePeriodSeconds).toBe(10 + 20 + 10);
  });
  it('has no preStop hook when the pause is 0', () => {
    const objects = render(minimalProps({ shutdown: { preStopSeconds: 0, drainSeconds: 5 } }));
    expect(apiContainerOf(objects).lifecycle).toBeUndefined();
    expect(podSpec(objects).terminationGracePeriodSeconds).toBe(15);
  });
  it('spreads pods over nodes', () => {
    expect(spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'spring-api' } },
      },
    ]);
  });
  it('leaves the replica count to the HPA when autoscaling, sets it otherwise', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    expect((find(devObjects, 'Deployment') as any).spec.replicas).toBe(1);
  });
  it('runs the pinned image as UID 10001 with a writable /tmp only', () => {
    expect(container.image).toBe('ghcr.io/acme/spring-api:1.2.3');
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
  });
  it('reserves and caps local disk, so a full /tmp evicts this pod and not its neighbours', () => {
    expect(container.resources.requests['ephemeral-storage']).toBe('64Mi');
    expect(container.resources.limits['ephemeral-storage']).toBe('512Mi');
  });
  it('keeps service links out of the environment', () => {
    expect(spec.enableServiceLinks).toBe(false);
  });
});

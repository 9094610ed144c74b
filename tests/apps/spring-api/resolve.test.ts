import { SpringApiProps } from '../../../infra/apps/spring-api/props';
import { resolveSpringApi, SPRING_API_DEFAULTS } from '../../../infra/apps/spring-api/resolve';
import { PLATFORM_ENDPOINTS } from '../../../infra/config/platform';
import { minimalProps, resolveError } from '../../support/fixtures';

const messageOf = resolveError;

const image = { repository: 'ghcr.io/acme/spring-api', tag: '1.2.3' };

describe('defaults', () => {
  const api = resolveSpringApi(minimalProps());
  it('namespace and name', () => {
    expect(api.namespace).toBe('spring-api');
    expect(api.name).toBe('spring-api');
  });
  it('two replicas and no autoscaling', () => {
    expect(api.replicas).toBe(2);
    expect(api.autoscaling).toBeUndefined();
  });
  it('resources', () => {
    expect(api.resources).toEqual({
      cpuRequest: '500m',
      cpuLimit: '1',
      memoryRequest: '640Mi',
      memoryLimit: '640Mi',
      ephemeralStorageRequest: '64Mi',
      ephemeralStorageLimit: '512Mi',
    });
  });
  it('ports 8080 and 8081', () => {
    expect([api.httpPort, api.managementPort]).toEqual([8080, 8081]);
  });
  it('UID 10001', () => expect(api.runAsUser).toBe(10001));
  it('no settings or environment', () => {
    expect(api.settings).toEqual({});
    expect(api.environment).toEqual({});
  });
  it('shutdown: 10 s pause, 20 s drain', () => {
    expect(api.shutdown).toEqual({ preStopSeconds: 10, drainSeconds: 20 });
  });
  it('spread best effort', () => expect(api.spreadPolicy).toBe('ScheduleAnyway'));
  it('25 % quota headroom', () => expect(api.quotaHeadroomPercent).toBe(25));
  it('platform endpoints from the config layer', () => {
    expect(api.platform).toBe(PLATFORM_ENDPOINTS);
  });
  it('no ingress, no database', () => {
    expect(api.ingress).toBeUndefined();
    expect(api.database).toBeUndefined();
  });
  it('HPA target 70 % when autoscaling omits it', () => {
    const scaled = resolveSpringApi(
      minimalProps({ autoscaling: { minReplicas: 2, maxReplicas: 4 } }),
    );
    expect(scaled.autoscaling?.targetCpuUtilization).toBe(SPRING_API_DEFAULTS.targetCpuUtilization);
  });
  it('zero is a value, not a default (?? not ||)', () => {
    expect(
      resolveSpringApi(minimalProps({ shutdown: { preStopSeconds: 0 } })).shutdown.preStopSeconds,
    ).toBe(0);
    expect(resolveSpringApi(minimalProps({ quotaHeadroomPercent: 0 })).quotaHeadroomPercent).toBe(
      0,
    );
  });
  it('image reference with and without digest', () => {
    expect(api.image).toBe('ghcr.io/acme/spring-api:1.2.3');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(resolveSpringApi(minimalProps({ image: { ...image, digest } })).image).toBe(
      `ghcr.io/acme/spring-api:1.2.3@${digest}`,
    );
  });
});

describe('bad values: one exact message each', () => {
  const cases: [string, Partial<SpringApiProps>, string][] = [
    [
      'replicas 0',
      { replicas: 0 },
      'springApi.replicas = 0 is invalid: must be an integer from 1 to 50',
    ],
    [
      'replicas 1.5',
      { replicas: 1.5 },
      'springApi.replicas = 1.5 is invalid: must be an integer from 1 to 50',
    ],
    [
      'HPA max below min',
      { autoscaling: { minReplicas: 4, maxReplicas: 3 } },
      'springApi.autoscaling.maxReplicas = 3 is invalid: must be an integer from 4 to 100',
    ],
    [
      'HPA min 0',
      { autoscaling: { minReplicas: 0, maxReplicas: 3 } },
      'springApi.autoscaling.minReplicas = 0 is invalid: must be an integer from 1 to 50',
    ],
    [
      'HPA target 100',
      { autoscaling: { minReplicas: 2, maxReplicas: 3, targetCpuUtilization: 100 } },
      'springApi.autoscaling.targetCpuUtilization = 100 is invalid: must be an integer from 10 to 95',
    ],
    [
      'CPU quantity',
      { resources: { cpuRequest: '250 m' } },
      'springApi.resources.cpuRequest = "250 m" is invalid: must be a CPU quantity such as "250m", "1" or "1.5"',
    ],
    [
      'memory quantity',
      { resources: { memoryLimit: '512MB' } },
      'springApi.resources.memoryLimit = "512MB" is invalid: must be a memory quantity such as "512Mi", "1Gi" or "1G"',
    ],
    [
      'limit below request',
      { resources: { cpuRequest: '2', cpuLimit: '500m' } },
      'springApi.resources.cpuLimit = "500m" is invalid: must be at least resources.cpuRequest (2)',
    ],
    [
      'memory limit below request',
      { resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } },
      'springApi.resources.memoryLimit = "512Mi" is invalid: must be at least resources.memoryRequest (1Gi)',
    ],
    [
      'ephemeral storage limit below request',
      { resources: { ephemeralStorageRequest: '1Gi', ephemeralStorageLimit: '512Mi' } },
      'springApi.resources.ephemeralStorageLimit = "512Mi" is invalid: must be at least resources.ephemeralStorageRequest (1Gi)',
    ],
    [
      'latest tag',
      { image: { ...image, tag: 'latest' } },
      'springApi.image.tag = "latest" is invalid: must be a pinned version tag of at most 63 characters (letters, digits, "_", "." and "-", starting and ending with a letter or digit), never "latest"',
    ],
    [
      'tag too long for a label',
      { image: { ...image, tag: `1.0.0-${'a'.repeat(60)}` } },
      `springApi.image.tag = "1.0.0-${'a'.repeat(60)}" is invalid: must be a pinned version tag of at most 63 characters (letters, digits, "_", "." and "-", starting and ending with a letter or digit), never "latest"`,
    ],
    [
      'tag inside repository',
      { image: { repository: 'ghcr.io/acme/spring-api:1.0', tag: '1.0' } },
      'springApi.image.repository = "ghcr.io/acme/spring-api:1.0" is invalid: must be a lowercase registry/repository path without a tag, e.g. "ghcr.io/acme/spring-api"',
    ],
    [
      'bad digest',
      { image: { ...image, digest: 'sha256:abc' } },
      'springApi.image.digest = "sha256:abc" is invalid: must be a digest of the form "sha256:<64 hex digits>"',
    ],
    [
      'host with underscore',
      { ingress: { host: 'api_staging.example.com' } },
      'springApi.ingress.host = "api_staging.example.com" is invalid: must be a fully qualified lowercase DNS name such as "api.example.com" (no wildcard)',
    ],
    [
      'wildcard host',
      { ingress: { host: '*.example.com' } },
      'springApi.ingress.host = "*.example.com" is invalid: must be a fully qualified lowercase DNS name such as "api.example.com" (no wildcard)',
    ],
    [
      'single-label host',
      { ingress: { host: 'localhost' } },
      'springApi.ingress.host = "localhost" is invalid: must be a fully qualified lowercase DNS name such as "api.example.com" (no wildcard)',
    ],
    [
      'IPv4 address as host',
      { ingress: { host: '203.0.113.7' } },
      'springApi.ingress.host = "203.0.113.7" is invalid: must be a DNS name, not an IP address (the API server refuses an IP address as an Ingress host)',
    ],
    [
      'IPv6 address as host',
      { ingress: { host: '2001:db8::7' } },
      'springApi.ingress.host = "2001:db8::7" is invalid: must be a DNS name, not an IP address (the API server refuses an IP address as an Ingress host)',
    ],
    [
      'bracketed IPv6 address as host',
      { ingress: { host: '[::1]' } },
      'springApi.ingress.host = "[::1]" is invalid: must be a DNS name, not an IP address (the API server refuses an IP address as an Ingress host)',
    ],
    [
      'Vault role',
      { secretDelivery: { kind: 'vault', role: 'Spring API', path: 'secret/data/spring-api' } },
      'springApi.secretDelivery.role = "Spring API" is invalid: must be a Vault role name (lowercase letters, digits, "_" and "-", at most 63 characters)',
    ],
    [
      'Vault path without data/',
      { secretDelivery: { kind: 'vault', role: 'spring-api', path: 'secret/spring-api' } },
      'springApi.secretDelivery.path = "secret/spring-api" is invalid: must be a KV v2 data path "<mount>/data/<path>" such as "secret/data/spring-api"',
    ],
    [
      'Vault path with a quote',
      { secretDelivery: { kind: 'vault', role: 'spring-api', path: 'secret/data/x" }}' } },
      'springApi.secretDelivery.path = "secret/data/x\\" }}" is invalid: must be a KV v2 data path "<mount>/data/<path>" such as "secret/data/spring-api"',
    ],
    [
      'namespace',
      { namespace: 'Spring_API' },
      'springApi.namespace = "Spring_API" is invalid: must be a DNS label: lowercase letters, digits and "-", at most 63 characters, starting and ending with a letter or digit',
    ],
    [
      'privileged port',
      { httpPort: 80 },
      'springApi.httpPort = 80 is invalid: must be an integer from 1024 to 65535',
    ],
    [
      'same ports',
      { managementPort: 8080 },
      'springApi.managementPort = 8080 is invalid: must be different from httpPort (8080) so probes and metrics stay off the API port',
    ],
    [
      'root UID',
      { runAsUser: 0 },
      'springApi.runAsUser = 0 is invalid: must be an integer from 1000 to 2147483647',
    ],
    [
      'missing Kubernetes secret value',
      { secretDelivery: { kind: 'kubernetes', values: {} } },
      'springApi.secretDelivery.values["app.api-key"] = undefined is invalid: must be a non-empty string for every secret property',
    ],
    [
      'empty Kubernetes secret value (redacted)',
      { secretDelivery: { kind: 'kubernetes', values: { 'app.api-key': '' } } },
      'springApi.secretDelivery.values["app.api-key"] = "<redacted>" is invalid: must be a non-empty string for every secret property',
    ],
    [
      'preStop too long',
      { shutdown: { preStopSeconds: 61 } },
      'springApi.shutdown.preStopSeconds = 61 is invalid: must be an integer from 0 to 60',
    ],
    [
      'spread policy',
      { spreadPolicy: 'Sometimes' as 'DoNotSchedule' },
      'springApi.spreadPolicy = "Sometimes" is invalid: must be one of "ScheduleAnyway", "DoNotSchedule"',
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(messageOf(minimalProps(overrides))).toBe(expected);
  });

  it('never prints a secret value', () => {
    const message = messageOf(
      minimalProps({
        secretDelivery: {
          kind: 'kubernetes',
          values: { 'app.api-key': 'k', 'app.other': 's3cr3t-value' },
        },
      }),
    );
    expect(message).not.toContain('s3cr3t-value');
    expect(message).toBe(
      'springApi.secretDelivery.values["app.other"] = "<redacted>" is invalid: must be a value only for properties listed in secretProperties',
    );
  });

  it('reports every issue at once, one per line', () => {
    expect(messageOf(minimalProps({ replicas: 0, httpPort: 80 })).split('\n')).toEqual([
      'springApi.replicas = 0 is invalid: must be an integer from 1 to 50',
      'springApi.httpPort = 80 is invalid: must be an integer from 1024 to 65535',
    ]);
  });

  it('names the environment in the key when given a prefix', () => {
    expect(() => resolveSpringApi(minimalProps({ replicas: 0 }), 'prod.springApi')).toThrow(
      'prod.springApi.replicas = 0 is invalid: must be an integer from 1 to 50',
    );
  });
});

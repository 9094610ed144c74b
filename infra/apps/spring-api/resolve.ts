import { isIP } from 'node:net';
import { Checks, DNS_SUBDOMAIN } from '../../config/checks';
import { PLATFORM_ENDPOINTS } from '../../config/platform';
import { checkDatabase } from './database-rules';
import { checkProperties } from './property-rules';
import { ResolvedSpringApi, SpringApiProps } from './props';
import { checkDelivery } from './secret-rules';

/** Defaults of SpringApiProps, resolved once here with `??`. */
export const SPRING_API_DEFAULTS = {
  namespace: 'spring-api',
  name: 'spring-api',
  replicas: 2,
  targetCpuUtilization: 70,
  // Sized by apps/spring-api/scripts/load-test.sh (one core, table in apps/spring-api/README.md):
  // 0.34-0.48 cores up to 400 req/s while the JIT warms, ~1,940 req/s at saturation; peak RSS
  // 420 MiB with a 384 MiB heap. Memory request = limit; one core as limit for a 19 s start.
  cpuRequest: '500m',
  cpuLimit: '1',
  memoryRequest: '640Mi',
  memoryLimit: '640Mi',
  ephemeralStorageRequest: '64Mi',
  ephemeralStorageLimit: '512Mi',
  httpPort: 8080,
  managementPort: 8081,
  runAsUser: 10001,
  preStopSeconds: 10,
  drainSeconds: 20,
  spreadPolicy: 'ScheduleAnyway',
  quotaHeadroomPercent: 25,
} as const;

const REPOSITORY =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;
// A tag that is also a valid label value, since it labels the pods (app.kubernetes.io/version).
const TAG = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * Applies defaults and validates every value. Throws one ConfigError naming each bad key
 * (prefixed with `keyPrefix`) before any Kubernetes object is constructed.
 */
export function resolveSpringApi(
  props: SpringApiProps,
  keyPrefix = 'springApi',
): ResolvedSpringApi {
  const d = SPRING_API_DEFAULTS;
  const c = new Checks(keyPrefix);

  const namespace = props.namespace ?? d.namespace;
  const name = props.name ?? d.name;
  c.dnsLabel('namespace', namespace);
  c.dnsLabel('name', name);

  const { repository, tag, digest } = props.image;
  c.matches(
    'image.repository',
    repository,
    REPOSITORY,
    'a lowercase registry/repository path without a tag, e.g. "ghcr.io/acme/spring-api"',
  );
  c.require(
    TAG.test(tag) && tag.toLowerCase() !== 'latest',
    'image.tag',
    tag,
    'a pinned version tag of at most 63 characters (letters, digits, "_", "." and "-", starting and ending with a letter or digit), never "latest"',
  );
  if (digest !== undefined) {
    c.matches('image.digest', digest, DIGEST, 'a digest of the form "sha256:<64 hex digits>"');
  }

  const replicas = props.replicas ?? d.replicas;
  c.integer('replicas', replicas, 1, 50);
  let autoscaling: ResolvedSpringApi['autoscaling'];
  if (props.autoscaling) {
    const { minReplicas, maxReplicas } = props.autoscaling;
    const target = props.autoscaling.targetCpuUtilization ?? d.targetCpuUtilization;
    const minOk = c.integer('autoscaling.minReplicas', minReplicas, 1, 50);
    c.integer('autoscaling.maxReplicas', maxReplicas, minOk ? Math.max(minReplicas, 2) : 2, 100);
    c.integer('autoscaling.targetCpuUtilization', target, 10, 95);
    autoscaling = { minReplicas, maxReplicas, targetCpuUtilization: target };
  }

  const resources = {
    cpuRequest: props.resources?.cpuRequest ?? d.cpuRequest,
    cpuLimit: props.resources?.cpuLimit ?? d.cpuLimit,
    memoryRequest: props.resources?.memoryRequest ?? d.memoryRequest,
    memoryLimit: props.resources?.memoryLimit ?? d.memoryLimit,
    ephemeralStorageRequest: props.resources?.ephemeralStorageRequest ?? d.ephemeralStorageRequest,
    ephemeralStorageLimit: props.resources?.ephemeralStorageLimit ?? d.ephemeralStorageLimit,
  };
  const diskRequest = c.memory(
    'resources.ephemeralStorageRequest',
    resources.ephemeralStorageRequest,
  );
  const diskLimit = c.memory('resources.ephemeralStorageLimit', resources.ephemeralStorageLimit);
  atLeast(
    c,
    'resources.ephemeralStorageLimit',
    resources.ephemeralStorageLimit,
    diskLimit,
    'resources.ephemeralStorageRequest',
    resources.ephemeralStorageRequest,
    diskRequest,
  );
  const cpuRequest = c.cpu('resources.cpuRequest', resources.cpuRequest);
  const cpuLimit = c.cpu('resources.cpuLimit', resources.cpuLimit);
  const memRequest = c.memory('resources.memoryRequest', resources.memoryRequest);
  const memLimit = c.memory('resources.memoryLimit', resources.memoryLimit);
  atLeast(
    c,
    'resources.cpuLimit',
    resources.cpuLimit,
    cpuLimit,
    'resources.cpuRequest',
    resources.cpuRequest,
    cpuRequest,
  );
  atLeast(
    c,
    'resources.memoryLimit',
    resources.memoryLimit,
    memLimit,
    'resources.memoryRequest',
    resources.memoryRequest,
    memRequest,
  );

  const httpPort = props.httpPort ?? d.httpPort;
  const managementPort = props.managementPort ?? d.managementPort;
  c.integer('httpPort', httpPort, 1024, 65535);
  if (c.integer('managementPort', managementPort, 1024, 65535)) {
    c.require(
      managementPort !== httpPort,
      'managementPort',
      managementPort,
      `different from httpPort (${httpPort}) so probes and metrics stay off the API port`,
    );
  }
  const runAsUser = props.runAsUser ?? d.runAsUser;
  c.integer('runAsUser', runAsUser, 1000, 2147483647);

  const settings = props.settings ?? {};
  const environment = props.environment ?? {};
  const secretProperties = props.secretProperties;
  checkProperties(c, settings, environment, secretProperties);
  checkDelivery(c, props.secretDelivery, secretProperties);

  if (props.ingress) {
    const host = props.ingress.host;
    // An IPv4 address matches the DNS pattern below; refuse it with a message that says why.
    if (isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0) {
      c.require(
        false,
        'ingress.host',
        host,
        'a DNS name, not an IP address (the API server refuses an IP address as an Ingress host)',
      );
    } else {
      c.require(
        DNS_SUBDOMAIN.test(host) && host.includes('.'),
        'ingress.host',
        host,
        'a fully qualified lowercase DNS name such as "api.example.com" (no wildcard)',
      );
    }
    if (props.ingress.tlsSecretName !== undefined) {
      c.dnsLabel('ingress.tlsSecretName', props.ingress.tlsSecretName);
    }
  }

  const database = props.database ? checkDatabase(c, props.database, secretProperties) : undefined;

  const shutdown = {
    preStopSeconds: props.shutdown?.preStopSeconds ?? d.preStopSeconds,
    drainSeconds: props.shutdown?.drainSeconds ?? d.drainSeconds,
  };
  c.integer('shutdown.preStopSeconds', shutdown.preStopSeconds, 0, 60);
  c.integer('shutdown.drainSeconds', shutdown.drainSeconds, 1, 300);

  const spreadPolicy = props.spreadPolicy ?? d.spreadPolicy;
  c.require(
    spreadPolicy === 'ScheduleAnyway' || spreadPolicy === 'DoNotSchedule',
    'spreadPolicy',
    spreadPolicy,
    'one of "ScheduleAnyway", "DoNotSchedule"',
  );
  const quotaHeadroomPercent = props.quotaHeadroomPercent ?? d.quotaHeadroomPercent;
  c.integer('quotaHeadroomPercent', quotaHeadroomPercent, 0, 100);

  c.throwIfAny();
  return {
    namespace,
    name,
    image: digest ? `${repository}:${tag}@${digest}` : `${repository}:${tag}`,
    imageTag: tag,
    replicas,
    autoscaling,
    resources,
    httpPort,
    managementPort,
    runAsUser,
    settings,
    environment,
    secretProperties,
    secretDelivery: props.secretDelivery,
    ingress: props.ingress,
    database,
    shutdown,
    spreadPolicy,
    quotaHeadroomPercent,
    platform: props.platform ?? PLATFORM_ENDPOINTS,
  };
}

/** A limit no smaller than its request; skipped when either failed to parse (already reported). */
function atLeast(
  c: Checks,
  key: string,
  value: string,
  parsed: number | undefined,
  minKey: string,
  minValue: string,
  minParsed: number | undefined,
): void {
  if (parsed === undefined || minParsed === undefined) return;
  c.require(parsed >= minParsed, key, value, `at least ${minKey} (${minValue})`);
}

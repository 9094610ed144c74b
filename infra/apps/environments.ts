import { EnvironmentName } from '../config/environments';
import { databaseJdbcUrl, PLATFORM_ENDPOINTS } from '../config/platform';
import { SpringApiProps } from './spring-api/props';
import { DATABASE_PASSWORD_PROPERTY } from './spring-api/database-rules';

// The Spring Boot API in each environment. What is shared lives in `common` and `onGcp`; each
// profile spells out only what differs, so `diff -r dist/staging dist/prod` shows exactly that.

/** Secret Spring properties every environment provides. */
export const API_KEY_PROPERTY = 'app.api-key';

/** Secret properties of the dev profile, whose values are generated locally (see dev-secrets). */
export const DEV_SECRET_PROPERTIES = [API_KEY_PROPERTY, DATABASE_PASSWORD_PROPERTY] as const;

/**
 * The platform's PostgreSQL (charts/spring-api-database) in every environment, dev included: its
 * read-write Service by name, egress to its pods by namespace and labels. The platform gives
 * the owner the password the API reads (Vault on gcp, dev's Secret on minikube).
 */
const platformDatabase: NonNullable<SpringApiProps['database']> = {
  url: databaseJdbcUrl(PLATFORM_ENDPOINTS.database),
  username: PLATFORM_ENDPOINTS.database.owner,
  inCluster: PLATFORM_ENDPOINTS.database,
};

const common = {
  // The repository for a local synth. CI never relies on it: it pushes to and synthesizes with
  // ghcr.io/<repository owner>/spring-api (`--image-repository`), computed once in manifests.yml.
  image: { repository: 'ghcr.io/k8s-platform/spring-api', tag: '0.1.0' },
  // Resources: the construct's defaults (SPRING_API_DEFAULTS), sized by the load test.
  environment: {
    // Heap is 60 % of the memory limit (384 MiB of 640 MiB); exit rather than limp on OOM.
    JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError',
  },
  database: platformDatabase,
} satisfies Partial<SpringApiProps>;

/** What staging and prod share: the GCP clusters, Vault. */
const onGcp = {
  ...common,
  secretProperties: [API_KEY_PROPERTY, DATABASE_PASSWORD_PROPERTY],
  secretDelivery: { kind: 'vault', role: 'spring-api', path: 'secret/data/spring-api' },
} satisfies Partial<SpringApiProps>;

/** The three profiles; `devSecrets` holds dev's locally generated secret values. */
export function springApiProfiles(
  devSecrets: Readonly<Record<string, string>>,
): Record<EnvironmentName, SpringApiProps> {
  return {
    dev: {
      ...common,
      replicas: 1,
      // A laptop: small requests, the same limits (RSS measured at 400-420 MiB).
      resources: { cpuRequest: '100m', memoryRequest: '448Mi' },
      settings: { 'app.environment': 'dev', 'logging.level.root': 'INFO' },
      secretProperties: DEV_SECRET_PROPERTIES,
      secretDelivery: { kind: 'kubernetes', values: devSecrets },
      // TLS like staging and prod, from the minikube platform's own CA (platform-tls).
      ingress: { host: 'spring-api.dev.test', tlsSecretName: 'api-tls' },
    },
    staging: {
      ...onGcp,
      // At the default 70 % of the 500m request (~350m), long before a pod saturates.
      autoscaling: { minReplicas: 2, maxReplicas: 3 },
      settings: { 'app.environment': 'staging', 'logging.level.root': 'INFO' },
      ingress: { host: 'api.staging.example.com', tlsSecretName: 'api-tls' },
    },
    prod: {
      ...onGcp,
      autoscaling: { minReplicas: 3, maxReplicas: 6 },
      settings: { 'app.environment': 'prod', 'logging.level.root': 'WARN' },
      ingress: { host: 'api.example.com', tlsSecretName: 'api-tls' },
      spreadPolicy: 'DoNotSchedule',
    },
  };
}

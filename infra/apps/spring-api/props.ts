import { DatabaseEndpoint, PlatformEndpoints } from '../../config/platform';

/** The container image, always pinned: a tag that is not `latest`, optionally a digest too. */
export interface ImageProps {
  /** Registry and repository, e.g. `ghcr.io/acme/spring-api`. */
  readonly repository: string;
  /** Version tag, e.g. `1.4.2`; `latest` is refused. */
  readonly tag: string;
  /** Content digest (`sha256:<64 hex>`); when set the image is pulled by digest. */
  readonly digest?: string;
}

/** CPU and memory for the API container. */
export interface ResourceProps {
  /** @default "500m" (measured: apps/spring-api/README.md) */
  readonly cpuRequest?: string;
  /** @default "1" */
  readonly cpuLimit?: string;
  /** @default "640Mi" */
  readonly memoryRequest?: string;
  /** Memory limit; requests equal to limits avoid OOM kills under node pressure. @default "640Mi" */
  readonly memoryLimit?: string;
  /** Local disk (logs, writable layer) the scheduler reserves. @default "64Mi" */
  readonly ephemeralStorageRequest?: string;
  /** Local disk cap; past it the kubelet evicts the pod, not its neighbours. @default "512Mi" */
  readonly ephemeralStorageLimit?: string;
}

/** Horizontal autoscaling on CPU (autoscaling/v2). When set, `replicas` is ignored. */
export interface AutoscalingProps {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU utilization, in percent of the request, that the HPA aims for. @default 70 */
  readonly targetCpuUtilization?: number;
}

/** HTTP routing through the ingress controller. */
export interface IngressProps {
  /** Fully qualified host name, e.g. `api.staging.example.com`. */
  readonly host: string;
  /**
   * Name of the `kubernetes.io/tls` Secret for the host, which a cert-manager Certificate has the
   * platform's ClusterIssuer (TLS_CLUSTER_ISSUER) issue and renew; no TLS when unset.
   */
  readonly tlsSecretName?: string;
}

/** Secret values kept in a Kubernetes Secret (the `dev` profile). */
export interface KubernetesSecretDelivery {
  readonly kind: 'kubernetes';
  /** Values of every secret property; supplied at synth time, never committed. */
  readonly values: Readonly<Record<string, string>>;
}

/** Secret values rendered into files by the Vault agent injector (staging and prod). */
export interface VaultSecretDelivery {
  readonly kind: 'vault';
  /** Vault Kubernetes-auth role bound to the API's service account. */
  readonly role: string;
  /** KV v2 data path holding one key per secret property, e.g. `secret/data/spring-api`. */
  readonly path: string;
}

export type SecretDelivery = KubernetesSecretDelivery | VaultSecretDelivery;

/**
 * The API's PostgreSQL: the platform's, in the cluster (`inCluster`), or an external one at an
 * address range (`cidr`). Exactly one of the two.
 */
export interface DatabaseProps {
  /**
   * JDBC URL, e.g. `jdbc:postgresql://spring-api-db-rw.databases.svc:5432/articles` (in the
   * cluster: the endpoint's Service by name) or `jdbc:postgresql://10.20.0.5:5432/articles`.
   */
  readonly url: string;
  /** Database user; its password is the secret property `spring.datasource.password`. */
  readonly username: string;
  /** An external database: the address range egress is allowed to, e.g. `10.20.0.5/32`. */
  readonly cidr?: string;
  /**
   * A database the platform runs in the cluster (PLATFORM_ENDPOINTS.database): egress goes to
   * its pods, selected by namespace and labels, on its port; the URL must name its Service.
   */
  readonly inCluster?: DatabaseEndpoint;
  /** Port egress is opened to; must be the one the URL connects to. @default the URL's port, else 5432 */
  readonly port?: number;
}

/** The database with its port resolved and exactly one of `cidr` and `inCluster` set. */
export interface ResolvedDatabase {
  readonly url: string;
  readonly username: string;
  readonly port: number;
  readonly cidr?: string;
  readonly inCluster?: DatabaseEndpoint;
}

/** Shutdown timing: the pod keeps serving while endpoints are withdrawn, then drains. */
export interface ShutdownProps {
  /** Pause before SIGTERM so load balancers stop sending new requests. @default 10 */
  readonly preStopSeconds?: number;
  /** Longest Spring Boot may spend finishing in-flight requests. @default 20 */
  readonly drainSeconds?: number;
}

export interface SpringApiProps {
  /** Namespace created for the API. @default "spring-api" */
  readonly namespace?: string;
  /** Name of every object of the API. @default "spring-api" */
  readonly name?: string;
  /** The container image (required, pinned). */
  readonly image: ImageProps;
  /** Fixed replica count, used when `autoscaling` is unset. @default 2 */
  readonly replicas?: number;
  /** Autoscaling bounds; adds a HorizontalPodAutoscaler. @default none */
  readonly autoscaling?: AutoscalingProps;
  /** Container resources. @default see ResourceProps */
  readonly resources?: ResourceProps;
  /** API port. @default 8080 */
  readonly httpPort?: number;
  /** Actuator (probes, metrics) port, kept apart from the API. @default 8081 */
  readonly managementPort?: number;
  /** Non-root numeric UID and GID the container runs as. @default 10001 */
  readonly runAsUser?: number;
  /** Spring properties mounted as files (a config tree). @default {} */
  readonly settings?: Readonly<Record<string, string>>;
  /** Environment variables (UPPER_SNAKE_CASE) set from the same ConfigMap. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Names of the Spring properties that are secret, e.g. `app.api-key`. */
  readonly secretProperties: readonly string[];
  /** How secret values reach the pod. */
  readonly secretDelivery: SecretDelivery;
  /** HTTP routing; no Ingress when unset. */
  readonly ingress?: IngressProps;
  /** PostgreSQL (in the cluster or external); the embedded database when unset. */
  readonly database?: DatabaseProps;
  /** Shutdown timing. @default see ShutdownProps */
  readonly shutdown?: ShutdownProps;
  /**
   * What the scheduler does when pods cannot be spread evenly over nodes.
   * @default "ScheduleAnyway"
   */
  readonly spreadPolicy?: 'ScheduleAnyway' | 'DoNotSchedule';
  /** Spare room in the namespace quota above the largest rollout, in percent. @default 25 */
  readonly quotaHeadroomPercent?: number;
  /** Where the platform add-ons run. @default PLATFORM_ENDPOINTS */
  readonly platform?: PlatformEndpoints;
}

/** Props with every default applied and every value validated. */
export interface ResolvedSpringApi {
  readonly namespace: string;
  readonly name: string;
  readonly image: string;
  readonly imageTag: string;
  readonly replicas: number;
  readonly autoscaling?: Required<AutoscalingProps>;
  readonly resources: Required<ResourceProps>;
  readonly httpPort: number;
  readonly managementPort: number;
  readonly runAsUser: number;
  readonly settings: Readonly<Record<string, string>>;
  readonly environment: Readonly<Record<string, string>>;
  readonly secretProperties: readonly string[];
  readonly secretDelivery: SecretDelivery;
  readonly ingress?: IngressProps;
  readonly database?: ResolvedDatabase;
  readonly shutdown: Required<ShutdownProps>;
  readonly spreadPolicy: 'ScheduleAnyway' | 'DoNotSchedule';
  readonly quotaHeadroomPercent: number;
  readonly platform: PlatformEndpoints;
}

// Where the platform layer puts its add-ons. The apps layer's NetworkPolicies and Vault
// annotations point at these, and the platform layer installs into them, so both sides read the
// same constants instead of repeating string literals.

/** A set of pods in a namespace, as NetworkPolicy selectors see them. */
export interface PodGroup {
  /** Namespace the pods run in (matched by its `kubernetes.io/metadata.name` label). */
  readonly namespace: string;
  /** Labels of the pods; empty means every pod in the namespace. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * A PostgreSQL cluster the platform runs in the cluster (CloudNativePG): its pods, the
 * read-write Service in front of the primary, and the database and role it bootstraps.
 */
export interface DatabaseEndpoint extends PodGroup {
  /** PostgreSQL's port, on the Service and on the pods alike. */
  readonly port: number;
  /** The read-write Service (CloudNativePG names it `<cluster>-rw`). */
  readonly service: string;
  /** The database created at bootstrap. */
  readonly databaseName: string;
  /** The role that owns it, the one the application logs in as. */
  readonly owner: string;
}

/** Platform add-ons the application talks to or is reached from. */
export interface PlatformEndpoints {
  /** The ingress controller, which forwards HTTP traffic to the API port. */
  readonly ingressController: PodGroup;
  /** Prometheus, which scrapes the management port. */
  readonly prometheus: PodGroup;
  /** Cluster DNS. */
  readonly dns: PodGroup;
  /** The Vault server the agent authenticates against and reads secrets from. */
  readonly vault: PodGroup & {
    readonly port: number;
    /** Audience of the service account tokens apps log in with (Kubernetes auth). */
    readonly tokenAudience: string;
  };
  /** The API's PostgreSQL, which the platform runs (charts/spring-api-database). */
  readonly database: DatabaseEndpoint;
}

export const PLATFORM_ENDPOINTS: PlatformEndpoints = {
  ingressController: {
    namespace: 'ingress-nginx',
    podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' },
  },
  prometheus: {
    namespace: 'observability',
    podLabels: { 'app.kubernetes.io/name': 'prometheus' },
  },
  dns: { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
  vault: {
    namespace: 'vault',
    podLabels: { 'app.kubernetes.io/name': 'vault' },
    port: 8200,
    tokenAudience: 'vault',
  },
  database: {
    namespace: 'databases',
    // Every instance of the cluster: the primary moves on failover, the Service follows it.
    podLabels: { 'cnpg.io/cluster': 'spring-api-db' },
    port: 5432,
    service: 'spring-api-db-rw',
    databaseName: 'articles',
    owner: 'spring_api',
  },
};

/** The names an in-cluster database's read-write Service answers to, shortest first. */
export function databaseServiceHosts(db: DatabaseEndpoint): readonly string[] {
  const short = `${db.service}.${db.namespace}.svc`;
  return [short, `${short}.cluster.local`];
}

/** The JDBC URL of an in-cluster database: its read-write Service, by name. */
export function databaseJdbcUrl(db: DatabaseEndpoint): string {
  return `jdbc:postgresql://${databaseServiceHosts(db)[0]}:${db.port}/${db.databaseName}`;
}

/** The ingress class the ingress controller serves. */
export const INGRESS_CLASS = 'nginx';

/**
 * The ingress controller's Service keeps client addresses (`externalTrafficPolicy: Local`);
 * kube-proxy serves `/healthz` on this node port, 200 only where a controller pod runs. The gcp
 * load balancer's health check and its firewall rule use it, and the platform sets it on the
 * Service.
 */
export const INGRESS_HEALTH_CHECK_NODE_PORT = 30256;

/**
 * The one ClusterIssuer the apps' Certificates name, on every target: on gcp an ACME issuer
 * (Let's Encrypt, the server the stack picks), on minikube a CA issuer backed by a self-signed
 * CA (charts/platform-issuers). Apps never name a Let's Encrypt issuer themselves, so the same
 * manifests run on both targets.
 */
export const TLS_CLUSTER_ISSUER = 'platform-tls';

/**
 * cert-manager's HTTP-01 solver pod, which answers Let's Encrypt's challenge in the namespace of
 * the Certificate, behind the ingress class. The app's NetworkPolicy admits the ingress
 * controller to it and its quota leaves room for it; charts/cert-manager sets these resources in
 * the controller's configuration (tests/platform/certificates.test.ts holds the two together).
 * Labels and port are cert-manager's own (pkg/apis/acme/v1 SolverIdentificationLabelKey,
 * pkg/issuer/acme/http acmeSolverListenPort, v1.21.2).
 */
export const ACME_HTTP01_SOLVER = {
  podLabels: { 'acme.cert-manager.io/http01-solver': 'true' },
  port: 8089,
  /** Solver pods that may exist at once per Certificate: one per DNS name, and ours have one. */
  podsPerCertificate: 1,
  resources: { cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
} as const;

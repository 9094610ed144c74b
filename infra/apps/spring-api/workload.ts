import { Construct } from 'constructs';
import {
  Container,
  IntOrString,
  KubeDeployment,
  KubeServiceAccount,
  Probe,
  Quantity,
} from '../imports/k8s';
import { ConfigurationWiring } from './configuration';
import { commonLabels, podLabels, selectorLabels } from './labels';
import { ResolvedSpringApi } from './props';
import { ROLLOUT_SURGE } from './quota';
import { vaultAccess, vaultAnnotations, vaultTokenVolume } from './vault';

/** Seconds the JVM gets after Spring's drain phase before the kubelet sends SIGKILL. */
export const EXIT_MARGIN_SECONDS = 10;

/** Actuator health groups Spring Boot exposes when probes are enabled. */
export const PROBE_PATHS = {
  liveness: '/actuator/health/liveness',
  readiness: '/actuator/health/readiness',
} as const;

function probe(path: string, periodSeconds: number, failureThreshold: number): Probe {
  return {
    httpGet: { path, port: IntOrString.fromString('management') },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
  };
}

/** The Spring Boot container, locked down to what the `restricted` profile demands and more. */
export function apiContainer(api: ResolvedSpringApi, wiring: ConfigurationWiring): Container {
  const r = api.resources;
  return {
    name: 'api',
    image: api.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'http', containerPort: api.httpPort, protocol: 'TCP' },
      { name: 'management', containerPort: api.managementPort, protocol: 'TCP' },
    ],
    env: wiring.env,
    resources: {
      requests: {
        cpu: Quantity.fromString(r.cpuRequest),
        memory: Quantity.fromString(r.memoryRequest),
        'ephemeral-storage': Quantity.fromString(r.ephemeralStorageRequest),
      },
      limits: {
        cpu: Quantity.fromString(r.cpuLimit),
        memory: Quantity.fromString(r.memoryLimit),
        'ephemeral-storage': Quantity.fromString(r.ephemeralStorageLimit),
      },
    },
    // Liveness answers as soon as the context is up; up to two minutes of start-up on a
    // throttled CPU before the kubelet gives up and restarts the container.
    startupProbe: probe(PROBE_PATHS.liveness, 5, 24),
    readinessProbe: probe(PROBE_PATHS.readiness, 5, 3),
    livenessProbe: probe(PROBE_PATHS.liveness, 10, 3),
    lifecycle:
      api.shutdown.preStopSeconds > 0
        ? { preStop: { exec: { command: ['sleep', String(api.shutdown.preStopSeconds)] } } }
        : undefined,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: api.runAsUser,
      runAsGroup: api.runAsUser,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...wiring.mounts],
  };
}

/** ServiceAccount and Deployment of the API. */
export class ApiWorkload extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedSpringApi, wiring: ConfigurationWiring) {
    super(scope, id);
    const metadata = { name: api.name, namespace: api.namespace, labels: commonLabels(api) };
    // The API needs no Kubernetes API access: no Role, no token mounted in its container.
    new KubeServiceAccount(this, 'service-account', {
      metadata,
      automountServiceAccountToken: false,
    });

    const vault = vaultAccess(api);
    const annotations: Record<string, string> = {
      'checksum/config': wiring.checksum,
      ...(vault ? vaultAnnotations(api, vault) : {}),
    };

    new KubeDeployment(this, 'deployment', {
      metadata: { ...metadata, labels: podLabels(api) },
      spec: {
        // With an HPA the replica count is the HPA's; leaving it out keeps applies from fighting.
        replicas: api.autoscaling ? undefined : api.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels(api) },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxSurge: IntOrString.fromNumber(ROLLOUT_SURGE),
            maxUnavailable: IntOrString.fromNumber(0),
          },
        },
        template: {
          metadata: { labels: podLabels(api), annotations },
          spec: {
            serviceAccountName: api.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds:
              api.shutdown.preStopSeconds + api.shutdown.drainSeconds + EXIT_MARGIN_SECONDS,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: api.runAsUser,
              runAsGroup: api.runAsUser,
              fsGroup: api.runAsUser,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: api.spreadPolicy,
                labelSelector: { matchLabels: selectorLabels(api) },
              },
            ],
            containers: [apiContainer(api, wiring)],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: Quantity.fromString('256Mi') } },
              ...wiring.volumes,
              ...(vault ? [vaultTokenVolume(vault)] : []),
            ],
          },
        },
      },
    });
  }
}

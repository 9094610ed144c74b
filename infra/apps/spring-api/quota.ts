import { Construct } from 'constructs';
import { KubeLimitRange, KubeResourceQuota, Quantity } from '../imports/k8s';
import {
  formatCpuMillis,
  formatMemoryBytes,
  parseCpuMillis,
  parseMemoryBytes,
} from '../../config/quantities';
import { ACME_HTTP01_SOLVER } from '../../config/platform';
import { issuesCertificate } from './certificate';
import { commonLabels } from './labels';
import { ResolvedSpringApi } from './props';
import { VAULT_AGENT_RESOURCES } from './vault';

/** Extra pods a rolling update may add (maxSurge); quota must leave room for them. */
export const ROLLOUT_SURGE = 1;

/** CPU in millicores and memory in bytes. */
export interface Footprint {
  readonly cpuRequest: number;
  readonly cpuLimit: number;
  readonly memoryRequest: number;
  readonly memoryLimit: number;
}

function numbers(r: {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}): Footprint {
  return {
    cpuRequest: parseCpuMillis(r.cpuRequest) ?? NaN,
    cpuLimit: parseCpuMillis(r.cpuLimit) ?? NaN,
    memoryRequest: parseMemoryBytes(r.memoryRequest) ?? NaN,
    memoryLimit: parseMemoryBytes(r.memoryLimit) ?? NaN,
  };
}

/**
 * What one API pod counts against the quota. An init container runs alone before the app, so
 * the pod's effective figure is the larger of the two, per resource (Kubernetes' own rule).
 */
export function podFootprint(api: ResolvedSpringApi): Footprint {
  const app = numbers(api.resources);
  if (api.secretDelivery.kind !== 'vault') return app;
  const agent = numbers(VAULT_AGENT_RESOURCES);
  return {
    cpuRequest: Math.max(app.cpuRequest, agent.cpuRequest),
    cpuLimit: Math.max(app.cpuLimit, agent.cpuLimit),
    memoryRequest: Math.max(app.memoryRequest, agent.memoryRequest),
    memoryLimit: Math.max(app.memoryLimit, agent.memoryLimit),
  };
}

/** Most pods that exist at once: the largest replica count plus the rollout's surge. */
export function peakPods(api: ResolvedSpringApi): number {
  return (api.autoscaling?.maxReplicas ?? api.replicas) + ROLLOUT_SURGE;
}

/**
 * Room for cert-manager's HTTP-01 solver pods, which run here while the Ingress's certificate is
 * issued or renewed (one per DNS name); none when the profile serves no TLS.
 */
export function solverRoom(api: ResolvedSpringApi): { pods: number; footprint: Footprint } {
  const pods = issuesCertificate(api) ? ACME_HTTP01_SOLVER.podsPerCertificate : 0;
  const one = numbers(ACME_HTTP01_SOLVER.resources);
  return {
    pods,
    footprint: {
      cpuRequest: one.cpuRequest * pods,
      cpuLimit: one.cpuLimit * pods,
      memoryRequest: one.memoryRequest * pods,
      memoryLimit: one.memoryLimit * pods,
    },
  };
}

/** The namespace's hard limits: the peak footprint plus the configured headroom, and the solver. */
export function quotaHard(api: ResolvedSpringApi): Record<string, string> {
  const pod = podFootprint(api);
  const factor = peakPods(api) * (1 + api.quotaHeadroomPercent / 100);
  const solver = solverRoom(api);
  return {
    pods: String(Math.ceil(factor) + solver.pods),
    'requests.cpu': formatCpuMillis(
      Math.ceil(pod.cpuRequest * factor) + solver.footprint.cpuRequest,
    ),
    'limits.cpu': formatCpuMillis(Math.ceil(pod.cpuLimit * factor) + solver.footprint.cpuLimit),
    'requests.memory': formatMemoryBytes(
      pod.memoryRequest * factor + solver.footprint.memoryRequest,
    ),
    'limits.memory': formatMemoryBytes(pod.memoryLimit * factor + solver.footprint.memoryLimit),
    // The API is reached through the ingress controller only and keeps no volumes.
    'services.loadbalancers': '0',
    'services.nodeports': '0',
    persistentvolumeclaims: '0',
  };
}

function quantities(values: Record<string, string>): Record<string, Quantity> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key, Quantity.fromString(value)]),
  );
}

/**
 * ResourceQuota sized from the profile, and a LimitRange that gives any container without
 * resources small defaults and caps every container at the largest this API runs.
 */
export class ApiQuota extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedSpringApi) {
    super(scope, id);
    const metadata = { namespace: api.namespace, labels: commonLabels(api) };
    new KubeResourceQuota(this, 'quota', {
      metadata: { ...metadata, name: api.name },
      spec: { hard: quantities(quotaHard(api)) },
    });
    const pod = podFootprint(api);
    new KubeLimitRange(this, 'limits', {
      metadata: { ...metadata, name: api.name },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: quantities({ cpu: '50m', memory: '64Mi' }),
            default: quantities({ cpu: '250m', memory: '128Mi' }),
            max: quantities({
              cpu: formatCpuMillis(pod.cpuLimit),
              memory: formatMemoryBytes(pod.memoryLimit),
            }),
          },
        ],
      },
    });
  }
}

// The smoke checks of the Metrics API and Headlamp (infra/platform/metrics-server.ts,
// headlamp.ts): the API the HPAs read answers for every node, the API's HPA (where one runs)
// reads CPU from it, and Headlamp answers, all through the API server.
import { SPRING_API_DEFAULTS } from '../../infra/apps/spring-api/resolve';
import { HttpSend, viaProxy } from '../../infra/kube/kube-api';
import { HEADLAMP } from '../../infra/platform/headlamp';

/** Runs one named check (smoke.ts records its outcome; a throw is a failure with that message). */
export type Check = (name: string, run: () => Promise<string>) => Promise<void>;

/** The APIService metrics-server registers. */
export const METRICS_APISERVICE = 'v1beta1.metrics.k8s.io';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return */

async function json(api: HttpSend, path: string): Promise<{ status: number; body: Json }> {
  const r = await api('GET', path);
  try {
    return { status: r.status, body: JSON.parse(r.body) as Json };
  } catch {
    return { status: r.status, body: {} };
  }
}

const fail = (m: string): never => {
  throw new Error(m);
};

const condition = (o: Json, type: string): Json | undefined =>
  ((o.status?.conditions ?? []) as Json[]).find((c) => c.type === type);

export async function addonChecks(api: HttpSend, check: Check): Promise<void> {
  await check('metrics API', async () => {
    const service = await json(
      api,
      `/apis/apiregistration.k8s.io/v1/apiservices/${METRICS_APISERVICE}`,
    );
    if (service.status !== 200)
      fail(`APIService ${METRICS_APISERVICE} missing (HTTP ${service.status})`);
    const available = condition(service.body, 'Available');
    if (available?.status !== 'True')
      fail(
        `APIService ${METRICS_APISERVICE} not Available: ${String(available?.message ?? 'no condition')}`,
      );
    const nodes = ((await json(api, '/api/v1/nodes')).body.items ?? []) as Json[];
    const metrics = await json(api, '/apis/metrics.k8s.io/v1beta1/nodes');
    if (metrics.status !== 200) fail(`node metrics answered ${metrics.status}`);
    const reporting = new Set(((metrics.body.items ?? []) as Json[]).map((m) => m.metadata?.name));
    const silent = nodes.map((n) => String(n.metadata?.name)).filter((n) => !reporting.has(n));
    // On gcp a node without metrics usually has no approved serving certificate yet.
    return silent.length === 0
      ? `${reporting.size} nodes report usage (kubectl top works)`
      : fail(
          `no metrics for ${silent.join(', ')} (kubelet serving certificate? metrics-server logs)`,
        );
  });

  await check('API autoscaling on CPU', async () => {
    const { namespace, name } = SPRING_API_DEFAULTS;
    const hpa = await json(
      api,
      `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${name}`,
    );
    if (hpa.status === 404) return 'no HPA here (dev, or the API is not deployed yet)';
    if (hpa.status !== 200) fail(`the HPA answered ${hpa.status}`);
    const active = condition(hpa.body, 'ScalingActive');
    if (active?.status !== 'True')
      fail(
        `ScalingActive is not True: ${String(active?.reason ?? 'no condition')} ${String(active?.message ?? '')}`.trim(),
      );
    const cpu = ((hpa.body.status?.currentMetrics ?? []) as Json[]).find(
      (m) => m.type === 'Resource' && m.resource?.name === 'cpu',
    );
    const now = cpu?.resource?.current?.averageUtilization as number | undefined;
    return now === undefined
      ? fail('no current CPU utilization')
      : `CPU at ${now} % of requests, ${String(hpa.body.status?.currentReplicas ?? '?')} replicas`;
  });

  await check('Headlamp up', async () => {
    const ui = viaProxy(api, {
      namespace: HEADLAMP.namespace,
      kind: 'services',
      name: HEADLAMP.service,
      port: HEADLAMP.port,
    });
    const r = await ui('GET', '/');
    return r.status === 200 ? 'answers on its Service' : fail(`answered ${r.status}`);
  });
}

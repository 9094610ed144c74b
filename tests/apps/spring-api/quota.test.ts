import { parseCpuMillis, parseMemoryBytes } from '../../../infra/config/quantities';
import { peakPods, podFootprint, quotaHard } from '../../../infra/apps/spring-api/quota';
import { resolveSpringApi } from '../../../infra/apps/spring-api/resolve';
import { ENVIRONMENTS } from '../../../infra/config/environments';
import { find, minimalProps, profiles, render, renderedEnvironments } from '../../support/fixtures';

const rendered = renderedEnvironments();
const all = profiles();

describe.each(ENVIRONMENTS)('%s quota', (env) => {
  const objects = rendered[env];
  const hard = (find(objects, 'ResourceQuota') as any).spec.hard as Record<string, string>;
  const deployment = find(objects, 'Deployment') as any;
  const container = deployment.spec.template.spec.containers[0];
  const api = resolveSpringApi(all[env]);

  it('fits the largest rollout: HPA maximum (or replicas) plus the surge pod', () => {
    const pods = (all[env].autoscaling?.maxReplicas ?? all[env].replicas ?? 2) + 1;
    expect(peakPods(api)).toBe(pods);
    expect(Number(hard.pods)).toBeGreaterThanOrEqual(pods);
    for (const [kind, resource, parse] of [
      ['limits', 'cpu', parseCpuMillis],
      ['requests', 'cpu', parseCpuMillis],
      ['limits', 'memory', parseMemoryBytes],
      ['requests', 'memory', parseMemoryBytes],
    ] as const) {
      const perPod = parse(container.resources[kind][resource]) ?? NaN;
      const quota = parse(hard[`${kind}.${resource}`] ?? '') ?? NaN;
      expect(quota).toBeGreaterThanOrEqual(perPod * pods);
    }
  });

  it('admits no LoadBalancer or NodePort Service and no volume claims', () => {
    expect(hard).toMatchObject({
      'services.loadbalancers': '0',
      'services.nodeports': '0',
      persistentvolumeclaims: '0',
    });
  });

  it('has a LimitRange whose maximum admits every container the pod runs', () => {
    const max = (find(objects, 'LimitRange') as any).spec.limits[0].max;
    expect(parseCpuMillis(max.cpu)).toBeGreaterThanOrEqual(
      parseCpuMillis(container.resources.limits.cpu) ?? Infinity,
    );
    expect(parseMemoryBytes(max.memory)).toBeGreaterThanOrEqual(
      parseMemoryBytes(container.resources.limits.memory) ?? Infinity,
    );
    if (api.secretDelivery.kind === 'vault') {
      const annotations = deployment.spec.template.metadata.annotations;
      expect(parseCpuMillis(max.cpu)).toBeGreaterThanOrEqual(
        parseCpuMillis(annotations['vault.hashicorp.com/agent-limits-cpu']) ?? Infinity,
      );
      expect(parseMemoryBytes(max.memory)).toBeGreaterThanOrEqual(
        parseMemoryBytes(annotations['vault.hashicorp.com/agent-limits-mem']) ?? Infinity,
      );
    }
  });
});

describe('quota arithmetic', () => {
  it('adds the headroom to the peak and rounds up', () => {
    const api = resolveSpringApi(
      minimalProps({
        replicas: 3,
        resources: {
          cpuRequest: '300m',
          cpuLimit: '1',
          memoryRequest: '500Mi',
          memoryLimit: '500Mi',
        },
        quotaHeadroomPercent: 10,
      }),
    );
    // 4 pods x 1.1 = 4.4
    expect(quotaHard(api)).toMatchObject({
      pods: '5',
      'requests.cpu': '1320m',
      'limits.cpu': '4400m',
      'requests.memory': '2200Mi',
      'limits.memory': '2200Mi',
    });
  });
  it('counts the Vault init container where it is larger than the API', () => {
    const api = resolveSpringApi(
      minimalProps({
        resources: {
          cpuRequest: '10m',
          cpuLimit: '100m',
          memoryRequest: '32Mi',
          memoryLimit: '64Mi',
        },
      }),
    );
    expect(podFootprint(api)).toEqual({
      cpuRequest: 50,
      cpuLimit: 250,
      memoryRequest: 64 * 1024 ** 2,
      memoryLimit: 128 * 1024 ** 2,
    });
  });
  it('renders the same numbers it computes', () => {
    const objects = render(minimalProps({ replicas: 2 }));
    expect((find(objects, 'ResourceQuota') as any).spec.hard).toEqual(
      quotaHard(resolveSpringApi(minimalProps({ replicas: 2 }))),
    );
  });
});

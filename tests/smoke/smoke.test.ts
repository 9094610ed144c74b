import { HttpSend } from '../../infra/kube/kube-api';
import { PLATFORM_NAMESPACES } from '../../infra/platform/platform';
import { report, smoke } from '../../scripts/smoke/smoke';

// The post-`pulumi up` smoke test against a fake API server: a healthy cluster passes every
// check; each kind of breakage is named by its check, and the others still run.
type Routes = Record<string, { status: number; body: unknown }>;

function healthy(): Routes {
  const routes: Routes = {
    '/readyz': { status: 200, body: 'ok' },
    '/api/v1/nodes': {
      status: 200,
      body: {
        items: ['cp', 'w0'].map((name) => ({
          metadata: { name },
          status: { conditions: [{ type: 'Ready', status: 'True' }] },
        })),
      },
    },
    '/api/v1/namespaces/ingress-nginx/services/ingress-nginx-controller': {
      status: 200,
      body: { status: { loadBalancer: { ingress: [{ ip: '192.168.49.200' }] } } },
    },
    '/api/v1/namespaces/vault/pods/http:vault-0:8200/proxy/v1/sys/seal-status': {
      status: 200,
      body: { type: 'shamir', initialized: true, sealed: false },
    },
    '/api/v1/namespaces/observability/services/http:kube-prometheus-stack-prometheus:9090/proxy/api/v1/targets?state=active':
      {
        status: 200,
        body: { data: { activeTargets: [{ health: 'up', labels: { job: 'spring-api' } }] } },
      },
    '/api/v1/namespaces/observability/services/http:kube-prometheus-stack-grafana:80/proxy/api/health':
      {
        status: 200,
        body: { database: 'ok' },
      },
  };
  for (const [ns, level] of Object.entries(PLATFORM_NAMESPACES)) {
    routes[`/api/v1/namespaces/${ns}`] = {
      status: 200,
      body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': level } } },
    };
    routes[`/apis/apps/v1/namespaces/${ns}/deployments`] = {
      status: 200,
      body: {
        items: [
          { metadata: { name: `${ns}-d` }, spec: { replicas: 2 }, status: { readyReplicas: 2 } },
        ],
      },
    };
    routes[`/apis/apps/v1/namespaces/${ns}/statefulsets`] = { status: 200, body: { items: [] } };
    routes[`/apis/apps/v1/namespaces/${ns}/daemonsets`] = { status: 200, body: { items: [] } };
  }
  return routes;
}

const api =
  (routes: Routes): HttpSend =>
  (_method, path) => {
    const r = routes[path];
    return Promise.resolve(
      r
        ? { status: r.status, body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body) }
        : { status: 404, body: '{}' },
    );
  };

describe('the smoke test', () => {
  it('passes a healthy cluster, one line per check', async () => {
    const results = await smoke(api(healthy()));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual([
      'API server ready',
      'nodes Ready',
      ...Object.keys(PLATFORM_NAMESPACES).map((ns) => `namespace ${ns}`),
      'ingress address',
      'Vault unsealed',
      'Prometheus targets up',
      'Grafana healthy',
    ]);
    expect(report(results)).toContain('ok   ingress address           LoadBalancer 192.168.49.200');
  });

  it('names each breakage and keeps checking', async () => {
    const routes = healthy();
    routes['/api/v1/namespaces/vault/pods/http:vault-0:8200/proxy/v1/sys/seal-status'] = {
      status: 200,
      body: { type: 'shamir', initialized: true, sealed: true },
    };
    routes['/apis/apps/v1/namespaces/metallb-system/daemonsets'] = {
      status: 200,
      body: {
        items: [
          { metadata: { name: 'speaker' }, status: { desiredNumberScheduled: 2, numberReady: 1 } },
        ],
      },
    };
    routes['/api/v1/namespaces/ingress-nginx/services/ingress-nginx-controller'] = {
      status: 200,
      body: { status: {} },
    };
    routes[
      '/api/v1/namespaces/observability/services/http:kube-prometheus-stack-prometheus:9090/proxy/api/v1/targets?state=active'
    ] = {
      status: 200,
      body: {
        data: {
          activeTargets: [
            { health: 'up', labels: { job: 'a' } },
            { health: 'down', labels: { job: 'kube-etcd' } },
          ],
        },
      },
    };
    delete routes['/api/v1/namespaces/vault'];
    const failed = Object.fromEntries(
      (await smoke(api(routes))).filter((r) => !r.ok).map((r) => [r.name, r.detail]),
    );
    expect(failed).toEqual({
      'namespace metallb-system': 'not ready: DaemonSet/speaker 1/2',
      'namespace vault': 'missing (HTTP 404)',
      'ingress address': 'the controller Service has no LoadBalancer address (MetalLB?)',
      'Vault unsealed': 'sealed (minikube: npm run vault:unseal)',
      'Prometheus targets up': '1 of 2 down: kube-etcd',
    });
  });
});

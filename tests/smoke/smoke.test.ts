import { HttpSend } from '../../infra/kube/kube-api';
import { PLATFORM_NAMESPACES } from '../../infra/platform/platform';
import { report, smoke } from '../../scripts/smoke/smoke';
import { API_ENVIRONMENT, healthyApi, storeBehindIngress } from '../support/smoke-fakes';

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
    [METRICS_SERVICE]: {
      status: 200,
      body: { status: { conditions: [{ type: 'Available', status: 'True' }] } },
    },
    '/apis/metrics.k8s.io/v1beta1/nodes': {
      status: 200,
      body: { items: ['cp', 'w0'].map((name) => ({ metadata: { name }, usage: { cpu: '90m' } })) },
    },
    '/api/v1/namespaces/headlamp/services/http:headlamp:80/proxy/': {
      status: 200,
      body: '<!doctype html>',
    },
    '/apis/cert-manager.io/v1/clusterissuers/platform-tls': {
      status: 200,
      body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    },
    '/apis/cert-manager.io/v1/certificates': {
      status: 200,
      body: {
        items: [
          {
            metadata: { namespace: 'spring-api', name: 'spring-api' },
            status: { conditions: [{ type: 'Ready', status: 'True' }] },
          },
        ],
      },
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
  Object.assign(routes, healthyApi());
  return routes;
}

const METRICS_SERVICE = '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io';
const HPA = '/apis/autoscaling/v2/namespaces/spring-api/horizontalpodautoscalers/spring-api';

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

const CERTS_QUERY =
  '/api/v1/namespaces/observability/services/http:kube-prometheus-stack-prometheus:9090/proxy/api/v1/query?query=' +
  encodeURIComponent(
    'min by (certificate) (k8s_platform_certificate_expiry_timestamp_seconds) - time()',
  );

/** A gcp cluster whose control plane reports these days left per certificate. */
function withCertificates(days: Record<string, number>): Routes {
  const routes = healthy();
  routes['/apis/monitoring.coreos.com/v1/namespaces/observability/prometheusrules/kubeadm'] = {
    status: 200,
    body: {},
  };
  routes[CERTS_QUERY] = {
    status: 200,
    body: {
      data: {
        result: Object.entries(days).map(([certificate, d]) => ({
          metric: { certificate },
          value: [0, String(d * 86400)],
        })),
      },
    },
  };
  return routes;
}

describe('the smoke test', () => {
  it('checks the control plane certificates where the kubeadm timers run', async () => {
    const check = async (days: Record<string, number>) =>
      (await smoke(api(withCertificates(days)), { ingress: storeBehindIngress().send })).find(
        (r) => r.name === 'control-plane certificates',
      );
    expect(await check({ apiserver: 300.5, 'front-proxy-client': 200 })).toEqual({
      name: 'control-plane certificates',
      ok: true,
      detail: '2 certificates; the first to expire, front-proxy-client, in 200 days',
    });
    expect(await check({ apiserver: 300, 'etcd-server': 12.25 })).toEqual({
      name: 'control-plane certificates',
      ok: false,
      detail: 'etcd-server expires in 12.3 days (renewal runs 30+ days ahead)',
    });
    expect((await check({}))?.detail).toBe(
      'no certificate expiry reported (the renewal timer or node-exporter is down)',
    );
  });

  it('passes a healthy cluster, one line per check', async () => {
    const results = await smoke(api(healthy()), { ingress: storeBehindIngress().send });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual([
      'API server ready',
      'nodes Ready',
      ...Object.keys(PLATFORM_NAMESPACES).map((ns) => `namespace ${ns}`),
      'ingress address',
      'Vault unsealed',
      'Prometheus targets up',
      'Grafana healthy',
      'metrics API',
      'API autoscaling on CPU',
      'Headlamp up',
      'TLS certificates',
      ...API_ENVIRONMENT,
      'control-plane certificates',
    ]);
    const detail = (name: string) => results.find((r) => r.name === name)?.detail;
    expect(detail('metrics API')).toBe('2 nodes report usage (kubectl top works)');
    expect(detail('API autoscaling on CPU')).toBe(
      'no HPA here (dev, or the API is not deployed yet)',
    );
    expect(results.find((r) => r.name === 'TLS certificates')?.detail).toBe(
      'ClusterIssuer platform-tls Ready; 1 Certificate(s) Ready',
    );
    expect(report(results)).toContain(
      'ok   ingress address                 LoadBalancer 192.168.49.200',
    );
    // minikube: no kubeadm upkeep rules, nothing to check.
    expect(results.at(-1)?.detail).toBe('not reported on this target (no kubeadm upkeep timers)');
  });

  it('names an issuer or a certificate that is not Ready, with the reason cert-manager gives', async () => {
    const tls = async (routes: Routes) =>
      (await smoke(api(routes), { ingress: storeBehindIngress().send })).find(
        (r) => r.name === 'TLS certificates',
      );
    const missing = healthy();
    delete missing['/apis/cert-manager.io/v1/clusterissuers/platform-tls'];
    expect((await tls(missing))?.detail).toBe('ClusterIssuer platform-tls missing (HTTP 404)');
    const unregistered = healthy();
    unregistered['/apis/cert-manager.io/v1/clusterissuers/platform-tls'] = {
      status: 200,
      body: {
        status: {
          conditions: [
            { type: 'Ready', status: 'False', message: 'Failed to register ACME account' },
          ],
        },
      },
    };
    expect((await tls(unregistered))?.detail).toBe(
      'ClusterIssuer platform-tls not Ready: Failed to register ACME account',
    );
    const pending = healthy();
    pending['/apis/cert-manager.io/v1/certificates'] = {
      status: 200,
      body: {
        items: [
          { metadata: { namespace: 'spring-api', name: 'spring-api' }, status: {} },
          {
            metadata: { namespace: 'cert-manager', name: 'platform-ca' },
            status: { conditions: [{ type: 'Ready', status: 'True' }] },
          },
        ],
      },
    };
    expect(await tls(pending)).toEqual({
      name: 'TLS certificates',
      ok: false,
      detail: 'not Ready: spring-api/spring-api (no Ready condition yet)',
    });
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
      (await smoke(api(routes), { ingress: storeBehindIngress().send }))
        .filter((r) => !r.ok)
        .map((r) => [r.name, r.detail]),
    );
    expect(failed).toEqual({
      'namespace metallb-system': 'not ready: DaemonSet/speaker 1/2',
      'namespace vault': 'missing (HTTP 404)',
      'ingress address': 'the controller Service has no LoadBalancer address (MetalLB?)',
      'Vault unsealed': 'sealed (minikube: npm run vault:unseal)',
      'Prometheus targets up': '1 of 2 down: kube-etcd',
      'API write through the database': 'the ingress controller has no address',
    });
  });

  it("reads the API's HPA where one runs: CPU from the metrics API, or why not", async () => {
    const hpa = async (body: unknown) => {
      const routes = healthy();
      routes[HPA] = { status: 200, body };
      return (await smoke(api(routes), { ingress: storeBehindIngress().send })).find(
        (r) => r.name === 'API autoscaling on CPU',
      );
    };
    expect(
      await hpa({
        status: {
          currentReplicas: 3,
          conditions: [{ type: 'ScalingActive', status: 'True' }],
          currentMetrics: [
            { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } },
          ],
        },
      }),
    ).toEqual({
      name: 'API autoscaling on CPU',
      ok: true,
      detail: 'CPU at 12 % of requests, 3 replicas',
    });
    expect(
      await hpa({
        status: {
          conditions: [
            {
              type: 'ScalingActive',
              status: 'False',
              reason: 'FailedGetResourceMetric',
              message:
                'the server is currently unable to handle the request (get pods.metrics.k8s.io)',
            },
          ],
        },
      }),
    ).toEqual({
      name: 'API autoscaling on CPU',
      ok: false,
      detail:
        'ScalingActive is not True: FailedGetResourceMetric the server is currently unable to handle the request (get pods.metrics.k8s.io)',
    });
  });

  it('names the metrics API and Headlamp breakages', async () => {
    const failed = async (edit: (r: Routes) => void) => {
      const routes = healthy();
      edit(routes);
      return Object.fromEntries(
        (await smoke(api(routes), { ingress: storeBehindIngress().send }))
          .filter((r) => !r.ok)
          .map((r) => [r.name, r.detail]),
      );
    };
    expect(
      await failed((r) => {
        r[METRICS_SERVICE] = {
          status: 200,
          body: {
            status: {
              conditions: [
                { type: 'Available', status: 'False', message: 'failing or missing response' },
              ],
            },
          },
        };
        delete r['/api/v1/namespaces/headlamp/services/http:headlamp:80/proxy/'];
      }),
    ).toEqual({
      'metrics API': 'APIService v1beta1.metrics.k8s.io not Available: failing or missing response',
      'Headlamp up': 'answered 404',
    });
    expect(
      await failed((r) => {
        r['/apis/metrics.k8s.io/v1beta1/nodes'] = {
          status: 200,
          body: { items: [{ metadata: { name: 'cp' } }] },
        };
      }),
    ).toEqual({
      'metrics API': 'no metrics for w0 (kubelet serving certificate? metrics-server logs)',
    });
  });
});

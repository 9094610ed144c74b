import {
  builtIn,
  checkExposition,
  metricSource,
  platformQueries,
  selectors,
} from '../../scripts/verify/platform-check';

// verify runs these against the real jar; here, that they can fail, and what they read.
const EXPOSITION = [
  '# TYPE http_server_requests_seconds counter',
  'http_server_requests_seconds_count{method="GET",outcome="SUCCESS",status="200",uri="/api/articles"} 3',
  'http_server_requests_seconds_bucket{method="GET",outcome="SUCCESS",status="200",uri="/api/articles",le="0.1"} 3',
  'jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.0E7',
  'jvm_memory_max_bytes{area="heap",id="G1 Eden Space"} -1.0',
  'hikaricp_connections_pending{pool="HikariPool-1"} 0.0',
  '',
].join('\n');

describe('the platform queries against an exposition', () => {
  const { rules, dashboard } = platformQueries();

  it('reads selectors with their label names', () => {
    expect(
      selectors('sum(rate(a_total{namespace="x", outcome!~"S.*"}[5m])) / b{le="1"} > 0'),
    ).toEqual([
      { metric: 'a_total', labels: ['namespace', 'outcome'] },
      { metric: 'b', labels: ['le'] },
    ]);
    expect(['spring_api:x', 'up', 'kube_pod_info', 'jvm_x'].map(metricSource)).toEqual([
      'recording',
      'prometheus',
      'kubernetes',
      'api',
    ]);
  });

  it('passes an exposition with every API metric and label the rules and dashboard use', () => {
    expect(rules.length).toBeGreaterThan(10);
    expect(dashboard.length).toBe(9);
    expect(checkExposition(EXPOSITION, [...rules, ...dashboard])).toEqual([]);
  });

  it('names a missing metric and a missing label', () => {
    const without = EXPOSITION.split('\n')
      .filter((l) => !l.startsWith('hikaricp'))
      .join('\n')
      .replace(/outcome="SUCCESS",/g, '');
    expect(checkExposition(without, rules)).toEqual([
      "the API's http_server_requests_seconds_count has no label outcome",
      'the API exposes no hikaricp_connections_pending',
    ]);
  });
});

describe('which rendered objects the API server checks and which crdcheck decodes', () => {
  it("dry-runs Kubernetes' own groups, decodes the operators' resources", () => {
    const versions = [
      'v1',
      'apps/v1',
      'rbac.authorization.k8s.io/v1',
      'apiregistration.k8s.io/v1',
      'monitoring.coreos.com/v1',
      'metallb.io/v1beta1',
      'cert-manager.io/v1',
    ];
    expect(versions.filter(builtIn)).toEqual([
      'v1',
      'apps/v1',
      'rbac.authorization.k8s.io/v1',
      'apiregistration.k8s.io/v1',
    ]);
  });
});

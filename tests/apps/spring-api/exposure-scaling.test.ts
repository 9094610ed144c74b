import { find, minimalProps, render } from '../../support/fixtures';

describe('Service', () => {
  const service = find(render(minimalProps()), 'Service') as any;
  it('is a ClusterIP with the API on 80 and the management port on its own number', () => {
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'management', port: 8081, targetPort: 'management', protocol: 'TCP' },
    ]);
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'spring-api' });
  });
});

describe('Ingress', () => {
  it('routes the host to the API port through the nginx class, with TLS when named', () => {
    const ingress = find(
      render(minimalProps({ ingress: { host: 'api.example.com', tlsSecretName: 'api-tls' } })),
      'Ingress',
    ) as any;
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules[0].host).toBe('api.example.com');
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({
      service: { name: 'spring-api', port: { name: 'http' } },
    });
    expect(ingress.spec.tls).toEqual([{ hosts: ['api.example.com'], secretName: 'api-tls' }]);
    expect(ingress.metadata.annotations).toBeUndefined();
  });
  it('has no TLS section without a certificate Secret', () => {
    const ingress = find(
      render(minimalProps({ ingress: { host: 'api.example.com' } })),
      'Ingress',
    ) as any;
    expect(ingress.spec.tls).toBeUndefined();
  });
  it('is absent without a host', () => {
    expect(render(minimalProps()).filter((o) => o.kind === 'Ingress')).toEqual([]);
  });
});

describe('ServiceMonitor', () => {
  it('scrapes the management port at the actuator Prometheus path', () => {
    const monitor = find(render(minimalProps()), 'ServiceMonitor') as any;
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'spring-api' } },
      endpoints: [
        { port: 'management', path: '/actuator/prometheus', interval: '30s', scrapeTimeout: '10s' },
      ],
    });
  });
});

describe('HorizontalPodAutoscaler and PodDisruptionBudget', () => {
  const scaled = render(
    minimalProps({ autoscaling: { minReplicas: 3, maxReplicas: 6, targetCpuUtilization: 65 } }),
  );

  it('scales the Deployment on CPU with autoscaling/v2', () => {
    const hpa = find(scaled, 'HorizontalPodAutoscaler') as any;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'spring-api' },
      minReplicas: 3,
      maxReplicas: 6,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } },
        },
      ],
    });
  });
  it('lets one pod at a time be evicted', () => {
    const pdb = find(scaled, 'PodDisruptionBudget') as any;
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'spring-api' } },
    });
  });
  it('has no HPA with fixed replicas, and no PDB with a single replica', () => {
    const single = render(minimalProps({ replicas: 1 }));
    expect(
      single.filter((o) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind)),
    ).toEqual([]);
    expect(render(minimalProps({ replicas: 2 })).map((o) => o.kind)).toContain(
      'PodDisruptionBudget',
    );
  });
});

describe('NetworkPolicies', () => {
  function egress(objects: ReturnType<typeof render>): any[] {
    return (find(objects, 'NetworkPolicy', 'spring-api-egress') as any).spec.egress;
  }

  it('admit HTTP from the ingress controller and the management port from Prometheus only', () => {
    const policy = find(render(minimalProps()), 'NetworkPolicy', 'spring-api-ingress') as any;
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 'http' }],
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 'management' }],
      },
    ]);
  });
  it('let out DNS and Vault with Vault delivery', () => {
    const rules = egress(render(minimalProps()));
    expect(rules).toHaveLength(2);
    expect(rules[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(rules[1]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 8200 }],
    });
  });
  it('let out DNS only in dev, plus the database when one is set', () => {
    const dev = render(
      minimalProps({ secretDelivery: { kind: 'kubernetes', values: { 'app.api-key': 'k' } } }),
    );
    expect(egress(dev)).toHaveLength(1);
    const withDb = render(
      minimalProps({
        secretProperties: ['app.api-key', 'spring.datasource.password'],
        database: {
          // No port prop: egress opens the port the URL connects to.
          url: 'jdbc:postgresql://10.0.0.5:6432/app',
          username: 'app',
          cidr: '10.0.0.5/32',
        },
      }),
    );
    expect(egress(withDb)[2]).toEqual({
      to: [{ ipBlock: { cidr: '10.0.0.5/32' } }],
      ports: [{ protocol: 'TCP', port: 6432 }],
    });
  });
  it("let out the platform's database by its pods' namespace and labels, on its port", () => {
    const objects = render(
      minimalProps({
        secretProperties: ['app.api-key', 'spring.datasource.password'],
        database: {
          url: 'jdbc:postgresql://pg-rw.data.svc:6543/shop',
          username: 'shop',
          inCluster: {
            namespace: 'data',
            podLabels: { 'cnpg.io/cluster': 'pg' },
            port: 6543,
            service: 'pg-rw',
            databaseName: 'shop',
            owner: 'shop',
          },
        },
      }),
    );
    expect(egress(objects)[2]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } },
          podSelector: { matchLabels: { 'cnpg.io/cluster': 'pg' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 6543 }],
    });
  });
});

import { ManifestObject } from '../../infra/apps/render';
import { ENVIRONMENT_INFO, ENVIRONMENTS } from '../../infra/config/environments';
import { renderedEnvironments } from '../support/fixtures';

function leaves(value: any, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      for (const [p, leaf] of leaves(v, `${path}/${k}`)) out.set(p, leaf);
    }
  } else {
    out.set(path, value);
  }
  return out;
}

function byId(objects: readonly ManifestObject[]): Map<string, ManifestObject> {
  return new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
}

/** Paths (kind/name/json-path) whose values differ, or that exist on one side only. */
function differences(a: readonly ManifestObject[], b: readonly ManifestObject[]): string[] {
  const left = byId(a);
  const right = byId(b);
  const out: string[] = [];
  for (const id of new Set([...left.keys(), ...right.keys()])) {
    const l = leaves(left.get(id) ?? {});
    const r = leaves(right.get(id) ?? {});
    for (const path of new Set([...l.keys(), ...r.keys()])) {
      if (l.get(path) !== r.get(path)) out.push(`${id}${path}`);
    }
  }
  return out.sort();
}

const rendered = renderedEnvironments();

describe('environment profiles', () => {
  it('staging and prod differ only where their profiles do', () => {
    expect(differences(rendered.staging, rendered.prod)).toEqual([
      'Certificate/spring-api/spec/dnsNames/0',
      'ConfigMap/spring-api-config/data/app.environment',
      'ConfigMap/spring-api-config/data/logging.level.root',
      'Deployment/spring-api/spec/template/metadata/annotations/checksum/config',
      'Deployment/spring-api/spec/template/spec/topologySpreadConstraints/0/whenUnsatisfiable',
      'HorizontalPodAutoscaler/spring-api/spec/maxReplicas',
      'HorizontalPodAutoscaler/spring-api/spec/minReplicas',
      'Ingress/spring-api/spec/rules/0/host',
      'Ingress/spring-api/spec/tls/0/hosts/0',
      'ResourceQuota/spring-api/spec/hard/limits.cpu',
      'ResourceQuota/spring-api/spec/hard/limits.memory',
      'ResourceQuota/spring-api/spec/hard/pods',
      'ResourceQuota/spring-api/spec/hard/requests.cpu',
      'ResourceQuota/spring-api/spec/hard/requests.memory',
    ]);
  });

  // Each environment is its own cluster, and in each the platform runs the database under the
  // same names: the URL and the egress rule are the same everywhere, with no address in them.
  it.each(ENVIRONMENTS)("%s connects to the platform's database by its Service name", (env) => {
    const config = rendered[env].find((o) => o.kind === 'ConfigMap') as any;
    expect(config.data['spring.datasource.url']).toBe(
      'jdbc:postgresql://spring-api-db-rw.databases.svc:5432/articles',
    );
    expect(config.data['spring.datasource.username']).toBe('spring_api');
    const text = JSON.stringify(rendered[env]);
    expect(text).not.toMatch(/ipBlock/);
  });

  it("dev's Secret carries the database password, as staging's and prod's Vault does", () => {
    const secret = rendered.dev.find((o) => o.kind === 'Secret') as any;
    const keys = Object.keys({ ...secret.stringData, ...secret.data });
    expect(keys).toEqual(expect.arrayContaining(['spring.datasource.password']));
  });

  it('prod runs at least three replicas spread strictly over nodes', () => {
    const hpa = rendered.prod.find((o) => o.kind === 'HorizontalPodAutoscaler') as any;
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
    const deployment = rendered.prod.find((o) => o.kind === 'Deployment') as any;
    expect(deployment.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe(
      'DoNotSchedule',
    );
  });

  it('dev runs one replica on minikube with a Kubernetes Secret, without HPA or PDB', () => {
    expect(ENVIRONMENT_INFO.dev.target).toBe('minikube');
    const kinds = rendered.dev.map((o) => o.kind);
    expect(kinds).toContain('Secret');
    expect(kinds).not.toContain('HorizontalPodAutoscaler');
    expect(kinds).not.toContain('PodDisruptionBudget');
  });

  it.each(ENVIRONMENTS)('%s gives the Ingress a host of its own', (env) => {
    const hosts = ENVIRONMENTS.map(
      (e) => (rendered[e].find((o) => o.kind === 'Ingress') as any).spec.rules[0].host,
    );
    expect(new Set(hosts).size).toBe(ENVIRONMENTS.length);
    expect(hosts[ENVIRONMENTS.indexOf(env)]).toMatch(/\./);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseJdbcUrl } from '../../infra/apps/spring-api/database-rules';
import { ENVIRONMENT_INFO, ENVIRONMENTS, EnvironmentName } from '../../infra/config/environments';
import { INGRESS_CLASS, PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { issuerValues } from '../../infra/platform/certificates';
import { CHARTS_DIR } from '../../infra/platform/charts';
import { databaseChartValues, databaseValuesFiles } from '../../infra/platform/database/settings';
import { CHART_NAMESPACES, PLATFORM_NAMESPACES } from '../../infra/platform/platform';
import { profiles, renderedEnvironments } from '../support/fixtures';

// Everything the API's manifests point to exists once the platform and the manifests are
// applied: each Secret, ConfigMap, ServiceAccount and Service they name, each host their Ingress
// serves (a Certificate covers it), each issuer, the ingress class, each namespace and pod group
// their NetworkPolicies open, and the database their JDBC URL names. "Exists" means one of the
// manifests' own objects, or an object the platform's own charts render for the environment's
// target (helm, with the values Pulumi passes), or one the platform's operators create from those
// (CloudNativePG's `<cluster>-rw` Service and `cnpg.io/cluster` pod label).

type Doc = Record<string, any>;

const root = resolve(__dirname, '..', '..');
const HELM = join(root, '.tools', 'bin', 'helm');
const rendered = renderedEnvironments();
const scratch = mkdtempSync(join(tmpdir(), 'references-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A wrapper chart's own templates, rendered by helm with these values files, in its namespace. */
function chartObjects(chart: string, files: readonly string[], values: Doc): Doc[] {
  const computed = join(scratch, `${chart}-${files.join('-').replace(/\W/g, '_')}.yaml`);
  writeFileSync(computed, stringify(values));
  const r = spawnSync(
    HELM,
    ['template', chart, join(CHARTS_DIR, chart), '-n', CHART_NAMESPACES[chart as never],
      ...files.flatMap((f) => ['-f', join(root, f)]), '-f', computed],
    { encoding: 'utf8' },
  ); // prettier-ignore
  if (r.status !== 0) throw new Error(`helm template ${chart}: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null)
    .map((d) => ({
      ...d,
      metadata: { namespace: CHART_NAMESPACES[chart as never], ...d.metadata },
    }));
}

/** What the platform creates on the environment's target that the manifests could name. */
function platformObjects(env: EnvironmentName): Doc[] {
  const target = ENVIRONMENT_INFO[env].target;
  return [
    ...chartObjects('spring-api-database', databaseValuesFiles(target, env), {
      ...databaseChartValues(target, 'k8s-platform-db-backups-0a1b2c3'),
    }),
    ...chartObjects(
      'platform-issuers',
      [`charts/platform-issuers/values-${target}.yaml`],
      issuerValues(
        target === 'gcp'
          ? { issuer: 'acme', email: 'platform@acme-platform.dev', server: 'production' }
          : { issuer: 'self-signed-ca' },
      ),
    ),
  ];
}

const has = (objects: readonly Doc[], kind: string, name: string, namespace?: string) =>
  objects.some(
    (o) =>
      o.kind === kind &&
      o.metadata?.name === name &&
      (namespace === undefined || o.metadata?.namespace === namespace),
  );

/** Every reference of the manifests, as "what: name" -> whether something creates it. */
function references(env: EnvironmentName): Record<string, boolean> {
  const own = rendered[env] as readonly Doc[];
  const platform = platformObjects(env);
  const namespace = own.find((o) => o.kind === 'Namespace')?.metadata.name as string;
  const of = (kind: string) => own.filter((o) => o.kind === kind);
  const refs: Record<string, boolean> = {};
  const pod = of('Deployment')[0]?.spec.template.spec;
  const containers = [...(pod.initContainers ?? []), ...pod.containers];

  // Secrets: the pod's, the Ingress's TLS Secret (issued by a Certificate in the manifests).
  const secrets = [
    ...(pod.volumes ?? []).map((v: Doc) => v.secret?.secretName),
    ...containers.flatMap((c: Doc) => [
      ...(c.env ?? []).map((e: Doc) => e.valueFrom?.secretKeyRef?.name),
      ...(c.envFrom ?? []).map((e: Doc) => e.secretRef?.name),
    ]),
  ].filter(Boolean);
  for (const s of secrets) refs[`Secret ${s}`] = has(own, 'Secret', s);
  for (const tls of of('Ingress').flatMap((i) => i.spec.tls ?? []))
    refs[`TLS Secret ${tls.secretName}`] = of('Certificate').some(
      (c) => c.spec.secretName === tls.secretName,
    );
  // ConfigMaps and the ServiceAccount.
  const configMaps = [
    ...(pod.volumes ?? []).map((v: Doc) => v.configMap?.name),
    ...containers.flatMap((c: Doc) => (c.envFrom ?? []).map((e: Doc) => e.configMapRef?.name)),
  ].filter(Boolean);
  for (const c of configMaps) refs[`ConfigMap ${c}`] = has(own, 'ConfigMap', c);
  refs[`ServiceAccount ${pod.serviceAccountName}`] = has(
    own,
    'ServiceAccount',
    pod.serviceAccountName,
  );
  // Services the Ingress routes to; workloads the HPA, PDB and ServiceMonitor select.
  for (const path of of('Ingress').flatMap((i) => i.spec.rules.flatMap((r: Doc) => r.http.paths)))
    refs[`Service ${path.backend.service.name}`] = has(own, 'Service', path.backend.service.name);
  for (const hpa of of('HorizontalPodAutoscaler'))
    refs[`${hpa.spec.scaleTargetRef.kind} ${hpa.spec.scaleTargetRef.name}`] = has(
      own, hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name,
    ); // prettier-ignore
  const labels = of('Deployment')[0]?.spec.template.metadata.labels ?? {};
  const selects = (selector: Doc, target: Doc) =>
    Object.entries(selector ?? {}).every(([k, v]) => target[k] === v);
  for (const pdb of of('PodDisruptionBudget'))
    refs[`pods of PodDisruptionBudget ${pdb.metadata.name}`] = selects(
      pdb.spec.selector.matchLabels,
      labels,
    );
  for (const sm of of('ServiceMonitor'))
    refs[`Service of ServiceMonitor ${sm.metadata.name}`] = of('Service').some((s) =>
      selects(sm.spec.selector.matchLabels, s.metadata.labels ?? {}),
    );
  // Hosts: every host the Ingress serves is in a Certificate; the class is the controller's.
  const dnsNames = of('Certificate').flatMap((c) => c.spec.dnsNames ?? []);
  for (const ingress of of('Ingress')) {
    refs[`IngressClass ${ingress.spec.ingressClassName}`] =
      ingress.spec.ingressClassName === INGRESS_CLASS &&
      (parse(readFileSync(join(CHARTS_DIR, 'ingress-nginx', 'values.yaml'), 'utf8')) as Doc)[
        'ingress-nginx'
      ].controller.ingressClassResource.name === INGRESS_CLASS;
    for (const host of ingress.spec.rules.map((r: Doc) => r.host))
      refs[`host ${host}`] = dnsNames.includes(host);
  }
  // Issuers: ClusterIssuers the platform renders on the target.
  for (const ref of of('Certificate').map((c) => c.spec.issuerRef))
    refs[`${ref.kind} ${ref.name}`] = has(platform, ref.kind, ref.name);
  // The database: the JDBC URL's Service is `<cluster>-rw` of a Cluster in that namespace.
  const url = of('ConfigMap')
    .map((c) => c.data?.['spring.datasource.url'])
    .find(Boolean) as string | undefined;
  if (url) {
    const host = parseJdbcUrl(url)?.host ?? '';
    const [service, ns] = host.split('.');
    refs[`Service ${service}.${ns} (database)`] = platform.some(
      (o) =>
        o.kind === 'Cluster' && `${o.metadata.name}-rw` === service && o.metadata.namespace === ns,
    );
  }
  // Vault: the injector the platform installs, and the role Pulumi writes from this profile's
  // typed access (VaultAppSecrets; tests/infra/index.test.ts checks the registration).
  const annotations = of('Deployment')[0]?.spec.template.metadata.annotations ?? {};
  if (annotations['vault.hashicorp.com/agent-inject'] === 'true') {
    const vaultValues = parse(
      readFileSync(join(CHARTS_DIR, 'vault', 'values.yaml'), 'utf8'),
    ) as Doc;
    const delivery = profiles()[env].secretDelivery;
    refs[`Vault role ${annotations['vault.hashicorp.com/role']}`] =
      vaultValues.vault.injector.enabled === true &&
      delivery?.kind === 'vault' &&
      delivery.role === annotations['vault.hashicorp.com/role'];
  }
  // NetworkPolicy peers: namespaces the platform creates (or kube-system), and pod groups in the
  // database's namespace that its Cluster's pods carry.
  for (const policy of of('NetworkPolicy')) {
    for (const peer of [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])].flatMap(
      (rule: Doc) => rule.from ?? rule.to ?? [],
    )) {
      const peerNs = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
      if (!peerNs) continue;
      refs[`namespace ${peerNs}`] = peerNs === 'kube-system' || peerNs in PLATFORM_NAMESPACES;
      if (peerNs === PLATFORM_ENDPOINTS.database.namespace) {
        const cluster = peer.podSelector?.matchLabels?.['cnpg.io/cluster'];
        refs[`database pods cnpg.io/cluster=${cluster}`] = has(
          platform,
          'Cluster',
          cluster,
          peerNs,
        );
      }
    }
  }
  expect(namespace).toBeTruthy();
  return refs;
}

describe('what the manifests point to', () => {
  it.each(ENVIRONMENTS)('%s: is created by the platform or by the manifests themselves', (env) => {
    const refs = references(env);
    expect(Object.entries(refs).filter(([, ok]) => !ok)).toEqual([]);
    // The walk is not vacuous: it met each kind of reference.
    const kinds = new Set(Object.keys(refs).map((k) => k.split(' ')[0]));
    for (const k of [
      env === 'dev' ? 'Secret' : 'Vault',
      'TLS',
      'ConfigMap',
      'ServiceAccount',
      'Service',
      'host',
      'ClusterIssuer',
      'namespace',
      'database',
    ])
      expect([env, k, kinds.has(k)]).toEqual([env, k, true]);
  });

  it('names what nothing creates', () => {
    const original = rendered.staging as readonly Doc[];
    const config = original.find((o) => o.kind === 'ConfigMap') as Doc;
    const url = config.data['spring.datasource.url'] as string;
    try {
      config.data['spring.datasource.url'] = url.replace('spring-api-db-rw', 'orders-db-rw');
      const cert = original.find((o) => o.kind === 'Certificate') as Doc;
      const ref = cert.spec.issuerRef.name as string;
      cert.spec.issuerRef.name = 'letsencrypt-prod';
      try {
        const missing = Object.entries(references('staging'))
          .filter(([, ok]) => !ok)
          .map(([k]) => k);
        expect(missing).toEqual([
          'ClusterIssuer letsencrypt-prod',
          'Service orders-db-rw.databases (database)',
        ]);
      } finally {
        cert.spec.issuerRef.name = ref;
      }
    } finally {
      config.data['spring.datasource.url'] = url;
    }
  });
});

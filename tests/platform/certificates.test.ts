import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { Cluster } from '../../infra/cluster/cluster';
import { ACME_SERVERS, readCertificateConfig } from '../../infra/config/certificates';
import { ENVIRONMENT_INFO, ENVIRONMENTS } from '../../infra/config/environments';
import { ACME_HTTP01_SOLVER, INGRESS_CLASS, TLS_CLUSTER_ISSUER } from '../../infra/config/platform';
import {
  CERT_MANAGER_NAMESPACE,
  issuerConfig,
  issuerValues,
} from '../../infra/platform/certificates';
import { CHARTS_DIR, wrapperChart } from '../../infra/platform/charts';
import { CHART_NAMESPACES } from '../../infra/platform/platform';
import { renderedEnvironments } from '../support/fixtures';

const HELM = resolve(__dirname, '..', '..', '.tools', 'bin', 'helm');
type Doc = Record<string, any>;

const cluster = (kind: 'minikube' | 'gcp') => ({ networking: { kind } }) as unknown as Cluster;
const ACME = { issuer: 'acme', email: 'ops@acme.io', server: 'production' } as const;

/** Renders a chart's own templates (its dependency left out, as verify does) for a target. */
function render(chart: string, target: 'minikube' | 'gcp', values: Doc = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'certificates-test-'));
  try {
    const copy = join(scratch, chart);
    cpSync(join(CHARTS_DIR, chart), copy, { recursive: true });
    const meta = parse(readFileSync(join(copy, 'Chart.yaml'), 'utf8')) as Doc;
    delete meta.dependencies;
    writeFileSync(join(copy, 'Chart.yaml'), stringify(meta));
    writeFileSync(join(scratch, 'stack.yaml'), stringify(values));
    const targetValues = wrapperChart(chart).targetValues(target);
    const run = spawnSync(
      HELM,
      [
        'template',
        chart,
        copy,
        '--namespace',
        CHART_NAMESPACES[chart as keyof typeof CHART_NAMESPACES],
        ...(targetValues ? ['-f', targetValues] : []),
        '-f',
        join(scratch, 'stack.yaml'),
      ],
      { encoding: 'utf8' },
    );
    const docs = parseAllDocuments(run.stdout)
      .map((d) => d.toJS() as Doc | null)
      .filter((d): d is Doc => d !== null);
    return { status: run.status, stderr: run.stderr, docs };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const names = (docs: readonly Doc[]) =>
  docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`);

describe('the issuer a target gets', () => {
  it('is the self-signed CA on minikube unless told, and the stack’s ACME account on gcp', () => {
    expect(issuerConfig(cluster('minikube'))).toEqual({ issuer: 'self-signed-ca' });
    expect(issuerConfig(cluster('gcp'), ACME)).toEqual(ACME);
  });

  it('refuses gcp without an ACME account, and an issuer that cannot serve the target', () => {
    expect(() => issuerConfig(cluster('gcp'))).toThrow(
      "the platform on gcp needs its ACME issuer's settings (PlatformArgs.certificates, read by readCertificateConfig from k8s-platform:acmeEmail and acmeServer)",
    );
    expect(() => issuerConfig(cluster('minikube'), ACME)).toThrow(
      "issuer acme cannot serve a minikube cluster: Let's Encrypt (acme) needs the gcp target's public address, and the self-signed CA is minikube's",
    );
    expect(() => issuerConfig(cluster('gcp'), { issuer: 'self-signed-ca' })).toThrow(
      'issuer self-signed-ca cannot serve a gcp cluster',
    );
  });

  it('reaches the chart as values naming the issuer apps use and the ingress class', () => {
    expect(issuerValues({ issuer: 'self-signed-ca' })).toEqual({
      issuer: 'self-signed-ca',
      name: TLS_CLUSTER_ISSUER,
    });
    expect(issuerValues(ACME)).toEqual({
      issuer: 'acme',
      name: 'platform-tls',
      acme: { email: 'ops@acme.io', server: 'production', ingressClassName: 'nginx' },
    });
  });
});

describe('charts/platform-issuers', () => {
  const chart = wrapperChart('platform-issuers');
  const [defaults] = chart.values('gcp') as Doc[];

  it('defaults to the names the code uses, and sets the issuer each target reads', () => {
    expect(defaults?.name).toBe(TLS_CLUSTER_ISSUER);
    expect(defaults?.acme.ingressClassName).toBe(INGRESS_CLASS);
    expect(Object.keys(defaults?.acme.servers).sort()).toEqual([...ACME_SERVERS].sort());
    for (const target of ['minikube', 'gcp'] as const) {
      const config = readCertificateConfig(target, (k) => ({ acmeEmail: 'ops@acme.io' })[k]);
      const layers = chart.values(target) as Doc[];
      expect([target, layers[layers.length - 1]?.issuer]).toEqual([target, config.issuer]);
    }
  });

  it('renders on minikube a self-signed issuer, the CA certificate and platform-tls signing with it', () => {
    const { status, docs } = render(
      'platform-issuers',
      'minikube',
      issuerValues({ issuer: 'self-signed-ca' }),
    );
    expect(status).toBe(0);
    expect(names(docs).sort()).toEqual([
      'Certificate/cert-manager/platform-ca',
      'ClusterIssuer//platform-selfsigned',
      'ClusterIssuer//platform-tls',
    ]);
    const ca = docs.find((d) => d.kind === 'Certificate');
    expect(ca?.spec).toMatchObject({
      isCA: true,
      secretName: 'platform-ca',
      issuerRef: { kind: 'ClusterIssuer', group: 'cert-manager.io', name: 'platform-selfsigned' },
    });
    const tls = docs.find((d) => d.metadata.name === 'platform-tls');
    expect(tls?.spec).toEqual({ ca: { secretName: 'platform-ca' } });
  });

  it('renders on gcp Let’s Encrypt staging and production, and platform-tls on the chosen server', () => {
    const { status, docs } = render(
      'platform-issuers',
      'gcp',
      issuerValues({ ...ACME, server: 'staging' }),
    );
    expect(status).toBe(0);
    expect(names(docs)).toEqual([
      'ClusterIssuer//letsencrypt-production',
      'ClusterIssuer//letsencrypt-staging',
      'ClusterIssuer//platform-tls',
    ]);
    const acme = Object.fromEntries(docs.map((d) => [d.metadata.name, d.spec.acme]));
    expect(acme['platform-tls']).toEqual({
      email: 'ops@acme.io',
      server: 'https://acme-staging-v02.api.letsencrypt.org/directory',
      privateKeySecretRef: { name: 'platform-tls-account-key' },
      // HTTP-01 through the ingress class; a ClusterIP Service (the apps' quotas allow no NodePort).
      solvers: [{ http01: { ingress: { ingressClassName: 'nginx', serviceType: 'ClusterIP' } } }],
    });
    expect(acme['letsencrypt-production'].server).toBe(
      'https://acme-v02.api.letsencrypt.org/directory',
    );
    expect(acme['letsencrypt-staging'].privateKeySecretRef).toEqual({
      name: 'letsencrypt-staging-account-key',
    });
  });

  it('refuses to render ACME issuers without an e-mail or with an unknown server', () => {
    const noEmail = render('platform-issuers', 'gcp');
    expect([noEmail.status, noEmail.stderr]).toEqual([
      1,
      expect.stringContaining(
        "acme.email is required with issuer acme: the Let's Encrypt account's e-mail (stack config acmeEmail)",
      ),
    ]);
    const badServer = render('platform-issuers', 'gcp', {
      acme: { email: 'a@b.io', server: 'prod' },
    });
    expect(badServer.stderr).toContain(
      'acme.server = "prod" is invalid: must be production or staging',
    );
    const badIssuer = render('platform-issuers', 'gcp', { issuer: 'vault' });
    expect(badIssuer.stderr).toContain(
      'issuer = "vault" is invalid: must be acme or self-signed-ca',
    );
  });
});

describe('charts/cert-manager', () => {
  const values = (wrapperChart('cert-manager').values('gcp')[0] as Doc)['cert-manager'];

  it('installs the CRDs itself and keeps them, in its own namespace, with metrics scraped', () => {
    expect(values.crds).toEqual({ enabled: true, keep: true });
    expect(values.global.leaderElection.namespace).toBe(CERT_MANAGER_NAMESPACE);
    expect(CHART_NAMESPACES['cert-manager']).toBe(CERT_MANAGER_NAMESPACE);
    expect(values.prometheus.servicemonitor).toMatchObject({ enabled: true, honorLabels: true });
  });

  it('gives HTTP-01 solver pods the requests the apps’ quotas leave room for, as non-root', () => {
    const r = ACME_HTTP01_SOLVER.resources;
    expect(values.config.acmeHTTP01Config).toEqual({
      solverResourceRequestCPU: r.cpuRequest,
      solverResourceRequestMemory: r.memoryRequest,
      solverResourceLimitsCPU: r.cpuLimit,
      solverResourceLimitsMemory: r.memoryLimit,
      solverRunAsNonRoot: true,
    });
  });

  it('renders its alerts as a PrometheusRule holding the rules file as it is', () => {
    const { status, docs } = render('cert-manager', 'gcp');
    expect(status).toBe(0);
    expect(names(docs)).toEqual(['PrometheusRule/cert-manager/cert-manager-certificates']);
    const rules = parse(
      readFileSync(join(CHARTS_DIR, 'cert-manager', 'rules', 'cert-manager.rules.yaml'), 'utf8'),
    ) as Doc;
    expect(docs[0]?.spec).toEqual(rules);
    expect(rules.groups[0].rules.map((r: Doc) => r.alert)).toEqual([
      'CertificateExpiresSoon',
      'CertificateExpiresVerySoon',
      'CertificateNotReady',
      'CertManagerDown',
    ]);
  });
});

describe("the issuers the apps' manifests name", () => {
  const rendered = renderedEnvironments();
  const issuersOn = (target: 'minikube' | 'gcp') =>
    render(
      'platform-issuers',
      target,
      issuerValues(target === 'gcp' ? ACME : { issuer: 'self-signed-ca' }),
    )
      .docs.filter((d) => d.kind === 'ClusterIssuer')
      .map((d) => d.metadata.name as string);

  it.each(ENVIRONMENTS)('%s: are ClusterIssuers the platform creates on its target', (env) => {
    const refs = rendered[env]
      .filter((o) => o.kind === 'Certificate')
      .map((o) => (o.spec as Doc).issuerRef as Doc);
    expect(refs.length).toBeGreaterThan(0);
    const created = issuersOn(ENVIRONMENT_INFO[env].target);
    for (const ref of refs) {
      expect(ref.kind).toBe('ClusterIssuer');
      expect(created).toContain(ref.name);
    }
  });

  it('exist on both targets under the same name, so one set of manifests runs on either', () => {
    expect(issuersOn('minikube')).toContain(TLS_CLUSTER_ISSUER);
    expect(issuersOn('gcp')).toContain(TLS_CLUSTER_ISSUER);
    expect(issuersOn('minikube')).not.toContain('letsencrypt-production');
  });
});

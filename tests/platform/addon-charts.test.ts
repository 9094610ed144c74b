import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { nodeNameRegex } from '../../infra/cluster/gcp/node-names';
import { ClusterTarget } from '../../infra/config/environments';
import { CHARTS_DIR, platformChartsFor, wrapperChart } from '../../infra/platform/charts';
import { mergedValues } from '../../infra/platform/footprint-values';
import { approverValues } from '../../infra/platform/metrics-server';

// The wrapper charts of metrics-server, the kubelet CSR approver and Headlamp: what their values
// set per target, and what their own templates render or refuse (with the pinned helm; the
// upstream charts are not reachable here, so they are left out as in verify).
const HELM = resolve(__dirname, '..', '..', '.tools', 'bin', 'helm');

type Values = Record<string, any>;
const values = (chart: string, target: ClusterTarget): Values =>
  mergedValues(chart, target, CHARTS_DIR);

/** helm template of the wrapper's own templates, with its values files and `extra` values. */
function renderOwn(chart: string, target: ClusterTarget, extra: Values = {}) {
  const dir = mkdtempSync(join(tmpdir(), `addon-${chart}-`));
  try {
    const copy = join(dir, chart);
    cpSync(join(CHARTS_DIR, chart), copy, { recursive: true });
    const meta = parse(readFileSync(join(copy, 'Chart.yaml'), 'utf8')) as Values;
    delete meta.dependencies;
    writeFileSync(join(copy, 'Chart.yaml'), stringify(meta));
    writeFileSync(join(dir, 'extra.yaml'), stringify(extra));
    const file = wrapperChart(chart).targetValues(target);
    const r = spawnSync(
      HELM,
      ['template', chart, copy, '--namespace', 'ns', ...(file ? ['-f', file] : [])].concat([
        '-f',
        join(dir, 'extra.yaml'),
      ]),
      { encoding: 'utf8' },
    );
    const error = /execution error at \([^)]*\): (.*)/.exec(r.stderr)?.[1] ?? r.stderr.trim();
    const docs = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as Values | null)
      .filter((d): d is Values => d !== null);
    return { status: r.status, error, docs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('metrics-server', () => {
  it('verifies the kubelets on gcp and skips that only on minikube', () => {
    const args = (t: ClusterTarget): string[] =>
      values('metrics-server', t)['metrics-server'].args ?? [];
    expect(args('gcp').filter((a) => a.startsWith('--kubelet-insecure'))).toEqual([]);
    expect(args('minikube')).toEqual(['--kubelet-insecure-tls']);
    // And no CA of its own: it verifies against the cluster CA of its service account token.
    expect(args('gcp').filter((a) => a.startsWith('--kubelet-certificate-authority'))).toEqual([]);
  });

  it('runs two replicas on different workers of gcp, with a disruption budget', () => {
    const gcp = values('metrics-server', 'gcp')['metrics-server'];
    expect(gcp.replicas).toBe(2);
    expect(gcp.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    const term = gcp.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    expect(values('metrics-server', 'minikube')['metrics-server'].replicas).toBeUndefined();
  });
});

describe('the kubelet CSR approver', () => {
  it('is installed on gcp only', () => {
    expect(platformChartsFor('gcp')).toContain('kubelet-csr-approver');
    expect(platformChartsFor('minikube')).not.toContain('kubelet-csr-approver');
    expect(platformChartsFor('gcp').indexOf('kubelet-csr-approver')).toBeLessThan(
      platformChartsFor('gcp').indexOf('metrics-server'),
    );
  });

  it('skips DNS lookups but leaves the names and addresses to the stack', () => {
    const v = values('kubelet-csr-approver', 'gcp')['kubelet-csr-approver'];
    expect(v).toMatchObject({
      bypassDnsResolution: true,
      providerRegex: '',
      providerIpPrefixes: [],
      replicas: 1,
      leaderElection: true,
    });
    // The upstream defaults it keeps: the hostname check on, one DNS name, denials on.
    expect([v.bypassHostnameCheck, v.allowedDnsNames, v.skipDenyStep]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('renders with the values Pulumi computes, and refuses to render without them', () => {
    const computed = approverValues({
      nodeNameRegex: nodeNameRegex('k8s-platform'),
      nodeSubnet: '10.10.0.0/24',
    });
    expect(renderOwn('kubelet-csr-approver', 'gcp', computed)).toMatchObject({ status: 0 });
    const refused = (v: Values) =>
      renderOwn('kubelet-csr-approver', 'gcp', { 'kubelet-csr-approver': v }).error;
    expect(refused({ providerIpPrefixes: ['10.10.0.0/24'] })).toBe(
      'kubelet-csr-approver.providerRegex = "" is invalid: must be anchored (^...$) and match exactly the cluster\'s node names, e.g. ^k8s-platform-(cp-0|worker-(0|[1-9][0-9]*))$ (charts/README.md)',
    );
    expect(refused({ providerRegex: 'worker', providerIpPrefixes: ['10.10.0.0/24'] })).toContain(
      'kubelet-csr-approver.providerRegex = "worker" is invalid: must be anchored (^...$)',
    );
    expect(refused({ providerRegex: '^a b$', providerIpPrefixes: ['10.10.0.0/24'] })).toBe(
      'kubelet-csr-approver.providerRegex = "^a b$" is invalid: must contain no whitespace',
    );
    expect(refused({ providerRegex: '^a$' })).toBe(
      "kubelet-csr-approver.providerIpPrefixes = [] is invalid: must list the nodes' subnet(s), e.g. [10.10.0.0/24] (charts/README.md)",
    );
  });

  it('gets a regex that survives the upstream template, which writes it unquoted', () => {
    // kubelet-csr-approver 1.2.14, templates/deployment.yaml: `value: {{ .Values.providerRegex }}`
    for (const cluster of ['k8s-platform', 'a1', 'prod-eu-2']) {
      const regex = nodeNameRegex(cluster);
      expect(parse(`- name: PROVIDER_REGEX\n  value: ${regex}\n`)).toEqual([
        { name: 'PROVIDER_REGEX', value: regex },
      ]);
    }
  });
});

describe('Headlamp', () => {
  it('binds nothing to its own service account and is not exposed', () => {
    const h = values('headlamp', 'gcp').headlamp;
    expect(h.clusterRoleBinding).toEqual({ create: false });
    expect(h.config.unsafeUseServiceAccountToken).toBe(false);
    expect([h.ingress.enabled, h.httpRoute.enabled, h.service.type]).toEqual([
      false,
      false,
      'ClusterIP',
    ]);
    expect(h.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('renders one login account bound to the built-in view role, and nothing else', () => {
    const { status, docs } = renderOwn('headlamp', 'minikube');
    expect(status).toBe(0);
    expect(docs.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual([
      'ServiceAccount headlamp-viewer',
      'ClusterRoleBinding headlamp-viewer',
    ]);
    expect(docs[1]?.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'view',
    });
    expect(docs[1]?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'headlamp-viewer', namespace: 'ns' },
    ]);
  });

  it('refuses cluster-admin, the service account login, and exposure without OIDC', () => {
    const refused = (v: Values) => renderOwn('headlamp', 'gcp', { headlamp: v }).error;
    expect(
      refused({ clusterRoleBinding: { create: true, clusterRoleName: 'cluster-admin' } }),
    ).toBe(
      'headlamp.clusterRoleBinding.create = true is invalid: must be false; Headlamp\'s own service account gets no role (the chart would bind it to "cluster-admin"), users log in with their own token',
    );
    expect(refused({ config: { unsafeUseServiceAccountToken: true } })).toBe(
      "headlamp.config.unsafeUseServiceAccountToken = true is invalid: must be false; it would log every visitor in as Headlamp's own service account",
    );
    expect(refused({ ingress: { enabled: true } })).toBe(
      'headlamp: ingress.enabled = true, httpRoute.enabled = false, service.type = "ClusterIP" is invalid without OIDC: Headlamp is reached with kubectl port-forward; exposing it needs headlamp.config.oidc (clientID and issuerURL, or externalSecret)',
    );
    expect(refused({ service: { type: 'LoadBalancer' } })).toContain(
      'service.type = "LoadBalancer" is invalid without OIDC',
    );
    expect(refused({ httpRoute: { enabled: true } })).toContain('httpRoute.enabled = true');
    const oidc = { clientID: 'headlamp', issuerURL: 'https://id.example.com' };
    expect(
      renderOwn('headlamp', 'gcp', { headlamp: { ingress: { enabled: true }, config: { oidc } } })
        .status,
    ).toBe(0);
  });
});

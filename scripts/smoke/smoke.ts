// `npm run smoke -- --context <name>`: after `pulumi up`, checks the live cluster the way an
// operator would, through the API server only (its proxy reaches Vault, Prometheus and Grafana,
// so nothing needs a public address or a port-forward), except one write through the API, which
// goes to the ingress address as a client's would (./environment.ts; its key from $SMOKE_API_KEY,
// or on dev from the API's Secret). Prints one line per check and exits 1 when any fails. Reads
// the kubeconfig from $KUBECONFIG or ~/.kube/config.
import { PLATFORM_ENDPOINTS, TLS_CLUSTER_ISSUER } from '../../infra/config/platform';
import {
  credentialsFromFile,
  defaultKubeconfigPath,
  HttpSend,
  kubeApi,
  viaProxy,
} from '../../infra/kube/kube-api';
import { PLATFORM_NAMESPACES } from '../../infra/platform/platform';
import { vaultVia } from '../../infra/platform/vault/cli';
import { addonChecks } from './addons';
import { EnvironmentOptions, environmentChecks } from './environment';

/** Below this many days, a kubeadm certificate means the renewal timer is not doing its job. */
export const CERTIFICATE_MIN_DAYS = 21;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */

async function getJson(api: HttpSend, path: string): Promise<{ status: number; json: Json }> {
  const r = await api('GET', path);
  let json: Json = {};
  try {
    json = JSON.parse(r.body) as Json;
  } catch {
    json = {};
  }
  return { status: r.status, json };
}

/** Workloads whose ready count is below what they want. */
function unready(items: Json[], kind: string): string[] {
  return items
    .filter((w) => {
      const want =
        kind === 'DaemonSet' ? w.status?.desiredNumberScheduled : (w.spec?.replicas ?? 1);
      const have = kind === 'DaemonSet' ? w.status?.numberReady : w.status?.readyReplicas;
      return (have ?? 0) < (want ?? 0);
    })
    .map(
      (w) =>
        `${kind}/${w.metadata.name} ${kind === 'DaemonSet' ? (w.status?.numberReady ?? 0) : (w.status?.readyReplicas ?? 0)}/${kind === 'DaemonSet' ? (w.status?.desiredNumberScheduled ?? 0) : (w.spec?.replicas ?? 1)}`,
    );
}

/** A cert-manager object's Ready condition: undefined when True, else why not. */
function notReady(o: Json): string | undefined {
  const ready = ((o.status?.conditions ?? []) as Json[]).find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  return String(ready?.message ?? ready?.reason ?? 'no Ready condition yet');
}

/** Runs every check; a failing one never stops the others. */
export async function smoke(
  api: HttpSend,
  options: EnvironmentOptions = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = async (name: string, run: () => Promise<string>) => {
    try {
      results.push({ name, ok: true, detail: await run() });
    } catch (error) {
      results.push({
        name,
        ok: false,
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  };
  /** A kube-prometheus-stack Service in the monitoring namespace, through the API server. */
  const monitoring = (component: string, port: number) =>
    viaProxy(api, {
      namespace: PLATFORM_ENDPOINTS.prometheus.namespace,
      kind: 'services',
      name: `kube-prometheus-stack-${component}`,
      port,
    });
  const fail = (m: string): never => {
    throw new Error(m);
  };

  await check('API server ready', async () => {
    const r = await api('GET', '/readyz');
    return r.status === 200 ? '/readyz ok' : fail(`/readyz answered ${r.status}`);
  });
  await check('nodes Ready', async () => {
    const nodes = ((await getJson(api, '/api/v1/nodes')).json.items ?? []) as Json[];
    const notReady = nodes
      .filter(
        (n) =>
          !(n.status?.conditions ?? []).some(
            (c: Json) => c.type === 'Ready' && c.status === 'True',
          ),
      )
      .map((n) => n.metadata.name);
    if (nodes.length === 0) fail('no nodes registered');
    return notReady.length === 0
      ? `${nodes.length} Ready`
      : fail(`not Ready: ${notReady.join(', ')}`);
  });
  for (const [ns, level] of Object.entries(PLATFORM_NAMESPACES)) {
    await check(`namespace ${ns}`, async () => {
      const r = await getJson(api, `/api/v1/namespaces/${ns}`);
      if (r.status !== 200) fail(`missing (HTTP ${r.status})`);
      const enforce = r.json.metadata?.labels?.['pod-security.kubernetes.io/enforce'];
      if (enforce !== level) fail(`enforces "${enforce ?? 'nothing'}", expected "${level}"`);
      const lagging: string[] = [];
      let count = 0;
      for (const [kind, path] of [
        ['Deployment', 'deployments'],
        ['StatefulSet', 'statefulsets'],
        ['DaemonSet', 'daemonsets'],
      ] as const) {
        const items = ((await getJson(api, `/apis/apps/v1/namespaces/${ns}/${path}`)).json.items ??
          []) as Json[];
        count += items.length;
        lagging.push(...unready(items, kind));
      }
      // CloudNativePG runs the database's pods itself, without a workload object: its own check.
      if (count === 0 && ns === PLATFORM_ENDPOINTS.database.namespace)
        return `instances managed by CloudNativePG (${level}): see "database primary ready"`;
      if (count === 0) fail('no workloads');
      return lagging.length === 0
        ? `${count} workloads ready (${level})`
        : fail(`not ready: ${lagging.join(', ')}`);
    });
  }
  await check('ingress address', async () => {
    const ns = PLATFORM_ENDPOINTS.ingressController.namespace;
    const svc = (await getJson(api, `/api/v1/namespaces/${ns}/services/ingress-nginx-controller`))
      .json;
    const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined;
    return ip
      ? `LoadBalancer ${ip}`
      : fail('the controller Service has no LoadBalancer address (MetalLB?)');
  });
  await check('Vault unsealed', async () => {
    const s = (await getJson(vaultVia(api), '/v1/sys/seal-status')).json;
    if (s.initialized !== true) fail('not initialized (did the configuration step run?)');
    return s.sealed === false
      ? `${String(s.type)} seal, unsealed`
      : fail('sealed (minikube: npm run vault:unseal)');
  });
  await check('Prometheus targets up', async () => {
    const r = await getJson(monitoring('prometheus', 9090), '/api/v1/targets?state=active');
    if (r.status !== 200) fail(`Prometheus answered ${r.status}`);
    const targets = (r.json.data?.activeTargets ?? []) as Json[];
    const down = targets
      .filter((t) => t.health !== 'up')
      .map((t) => String(t.labels?.job ?? t.scrapeUrl));
    if (targets.length === 0) fail('no active targets');
    return down.length === 0
      ? `${targets.length} up`
      : fail(`${down.length} of ${targets.length} down: ${[...new Set(down)].join(', ')}`);
  });
  await check('Grafana healthy', async () => {
    const r = await getJson(monitoring('grafana', 80), '/api/health');
    return r.status === 200 && r.json.database === 'ok'
      ? 'database ok'
      : fail(`answered ${r.status}`);
  });
  await addonChecks(api, check);
  await check('TLS certificates', async () => {
    // The issuer apps name, then every Certificate in the cluster (the API's once GitOps synced).
    const issuer = await getJson(
      api,
      `/apis/cert-manager.io/v1/clusterissuers/${TLS_CLUSTER_ISSUER}`,
    );
    if (issuer.status !== 200)
      fail(`ClusterIssuer ${TLS_CLUSTER_ISSUER} missing (HTTP ${issuer.status})`);
    const why = notReady(issuer.json);
    if (why !== undefined) fail(`ClusterIssuer ${TLS_CLUSTER_ISSUER} not Ready: ${why}`);
    const certificates = ((await getJson(api, '/apis/cert-manager.io/v1/certificates')).json
      .items ?? []) as Json[];
    const lagging = certificates
      .filter((c) => notReady(c) !== undefined)
      .map((c) => `${c.metadata.namespace}/${c.metadata.name} (${notReady(c) ?? ''})`);
    return lagging.length === 0
      ? `ClusterIssuer ${TLS_CLUSTER_ISSUER} Ready; ${certificates.length} Certificate(s) Ready`
      : fail(`not Ready: ${lagging.join(', ')}`);
  });
  await environmentChecks(api, check, options);
  await check('control-plane certificates', async () => {
    // gcp only: the control plane's renewal timer reports expiry through node-exporter, and the
    // platform installs the kubeadm alerts there. Elsewhere there is nothing to check.
    const ns = PLATFORM_ENDPOINTS.prometheus.namespace;
    const rule = await api(
      'GET',
      `/apis/monitoring.coreos.com/v1/namespaces/${ns}/prometheusrules/kubeadm`,
    );
    if (rule.status === 404) return 'not reported on this target (no kubeadm upkeep timers)';
    const query = encodeURIComponent(
      'min by (certificate) (k8s_platform_certificate_expiry_timestamp_seconds) - time()',
    );
    const r = await getJson(monitoring('prometheus', 9090), `/api/v1/query?query=${query}`);
    if (r.status !== 200) fail(`Prometheus answered ${r.status}`);
    const left = ((r.json.data?.result ?? []) as Json[])
      .map((x) => ({ cert: String(x.metric?.certificate), days: Number(x.value?.[1]) / 86400 }))
      .sort((a, b) => a.days - b.days);
    const first = left[0];
    if (!first) fail('no certificate expiry reported (the renewal timer or node-exporter is down)');
    return first && first.days >= CERTIFICATE_MIN_DAYS
      ? `${left.length} certificates; the first to expire, ${first.cert}, in ${Math.floor(first.days)} days`
      : fail(
          `${first?.cert ?? '?'} expires in ${first?.days.toFixed(1) ?? '?'} days (renewal runs ${CERTIFICATE_MIN_DAYS + 9}+ days ahead)`,
        );
  });
  return results;
}

export function report(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results
    .map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(width)}  ${r.detail}`)
    .join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const context = flag('context') ?? 'minikube';
  const api = kubeApi(
    credentialsFromFile(flag('kubeconfig') ?? defaultKubeconfigPath(), context),
    15_000,
  );
  const apiKey = process.env.SMOKE_API_KEY;
  smoke(api, apiKey ? { apiKey } : {}).then(
    (results) => {
      console.log(report(results));
      process.exit(results.every((r) => r.ok) ? 0 : 1);
    },
    (error: unknown) => {
      console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}

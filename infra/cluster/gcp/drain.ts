// Drains a worker before Pulumi deletes or replaces its VM (the delete step of the worker's
// drain command): cordon, evict every pod that is not a DaemonSet's or a static pod through the
// Eviction API (so PodDisruptionBudgets hold; a refused eviction is retried), then remove the
// Node object so the replacement VM registers under the same name. Bounded; on timeout it names
// the pods still there. Reads the kubeconfig from KUBECONFIG_CONTENT (a Pulumi secret).
import { HttpSend, kubeApi, resolveKubeconfig } from '../../kube/kube-api';

export interface DrainOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

interface Pod {
  metadata: {
    name: string;
    namespace: string;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string }[];
  };
  status?: { phase?: string };
}

/** Pods a drain leaves in place: DaemonSets' (recreated anyway), static pods, finished pods. */
function staysPut(p: Pod): boolean {
  return (
    (p.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet') ||
    p.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined ||
    p.status?.phase === 'Succeeded' ||
    p.status?.phase === 'Failed'
  );
}

const podId = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;

function expect2xx(what: string, r: { status: number; body: string }, also: number[] = []): void {
  if ((r.status < 200 || r.status > 299) && !also.includes(r.status))
    throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
}

/** Drains `node`; returns a one-line summary. */
export async function drainNode(api: HttpSend, node: string, o: DrainOptions): Promise<string> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const nodePath = `/api/v1/nodes/${encodeURIComponent(node)}`;
  const found = await api('GET', nodePath);
  if (found.status === 404) return `node ${node} is not registered: nothing to drain`;
  expect2xx(`reading node ${node}`, found);
  const cordon = await api('PATCH', nodePath, JSON.stringify({ spec: { unschedulable: true } }), {
    'Content-Type': 'application/merge-patch+json',
  });
  expect2xx(`cordoning ${node}`, cordon);

  const deadline = now() + o.timeoutMs;
  let evicted = 0;
  for (;;) {
    const list = await api(
      'GET',
      `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`,
    );
    expect2xx(`listing the pods on ${node}`, list);
    const left = (JSON.parse(list.body) as { items: Pod[] }).items.filter((p) => !staysPut(p));
    if (left.length === 0) break;
    const refused: string[] = [];
    for (const pod of left) {
      const { name, namespace } = pod.metadata;
      const r = await api(
        'POST',
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/eviction`,
        JSON.stringify({
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name, namespace },
        }),
      );
      // 429: a PodDisruptionBudget forbids it for now; 404: already gone.
      if (r.status === 429) refused.push(podId(pod));
      else {
        expect2xx(`evicting ${podId(pod)}`, r, [404]);
        if (r.status !== 404) evicted++;
      }
    }
    if (now() >= deadline)
      throw new Error(
        `draining ${node}: not done within ${Math.round(o.timeoutMs / 60000)} min; still there: ${left.map(podId).join(', ')}` +
          (refused.length > 0
            ? ` (evictions refused by a PodDisruptionBudget: ${refused.join(', ')})`
            : ''),
      );
    o.log?.(
      `draining ${node}: ${left.length} pod(s) left${refused.length ? `, ${refused.length} held by a PodDisruptionBudget` : ''}`,
    );
    await sleep(o.intervalMs);
  }
  const removed = await api('DELETE', nodePath);
  expect2xx(`removing node ${node}`, removed, [404]);
  return `drained ${node}: ${evicted} pod(s) evicted, Node object removed`;
}

if (require.main === module) {
  const env = process.env;
  const node = env.NODE_NAME ?? '';
  const minutes = Number(env.DRAIN_MINUTES);
  const run =
    node === '' || !Number.isInteger(minutes) || minutes < 1
      ? Promise.reject(
          new Error(
            `NODE_NAME must name the node and DRAIN_MINUTES be a whole number of minutes >= 1 (got NODE_NAME="${node}", DRAIN_MINUTES="${env.DRAIN_MINUTES ?? ''}")`,
          ),
        )
      : drainNode(
          kubeApi(resolveKubeconfig(env.KUBECONFIG_CONTENT ?? '', env.KUBE_CONTEXT ?? ''), 10_000),
          node,
          { timeoutMs: minutes * 60_000, intervalMs: 5_000, log: (l) => console.error(l) },
        );
  run.then(
    (summary) => console.error(summary),
    (error: unknown) => {
      console.error(`drain: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

// Bounded waits on a new cluster, run by Pulumi (a local Command) before anything is installed:
//   api:   the API server answers /readyz (the control plane's `kubeadm init` is done);
//   nodes: the expected number of nodes are Ready (workers joined and the CNI runs).
// It reads the kubeconfig from KUBECONFIG_CONTENT (a Pulumi secret) and prints progress only.
import { HttpSend, kubeApi, resolveKubeconfig } from '../../kube/kube-api';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

async function poll(
  what: string,
  check: () => Promise<{ done: boolean; state: string }>,
  o: WaitOptions,
): Promise<string> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + o.timeoutMs;
  let state = 'no answer yet';
  for (;;) {
    try {
      const r = await check();
      state = r.state;
      if (r.done) return state;
    } catch (error) {
      state = error instanceof Error ? error.message : String(error);
    }
    if (now() >= deadline)
      throw new Error(`${what} not within ${Math.round(o.timeoutMs / 60000)} min (last: ${state})`);
    o.log?.(`waiting for ${what}: ${state}`);
    await sleep(o.intervalMs);
  }
}

/** Waits until the API server answers /readyz with "ok". */
export function waitForApi(api: HttpSend, o: WaitOptions): Promise<string> {
  return poll(
    'the API server to be ready',
    async () => {
      const r = await api('GET', '/readyz');
      return { done: r.status === 200, state: `/readyz ${r.status}` };
    },
    o,
  );
}

interface NodeList {
  items: {
    metadata: { name: string };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

/** Waits until at least `expected` nodes report Ready=True. */
export function waitForNodes(api: HttpSend, expected: number, o: WaitOptions): Promise<string> {
  return poll(
    `${expected} Ready nodes`,
    async () => {
      const r = await api('GET', '/api/v1/nodes');
      if (r.status !== 200) return { done: false, state: `nodes ${r.status}` };
      const nodes = (JSON.parse(r.body) as NodeList).items;
      const ready = nodes.filter((n) =>
        (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return {
        done: ready.length >= expected,
        state: `${ready.length}/${expected} Ready of ${nodes.length} registered`,
      };
    },
    o,
  );
}

if (require.main === module) {
  const [mode] = process.argv.slice(2);
  const env = process.env;
  const api = kubeApi(
    resolveKubeconfig(env.KUBECONFIG_CONTENT ?? '', env.KUBE_CONTEXT ?? ''),
    10_000,
  );
  const o: WaitOptions = {
    timeoutMs: Number(env.WAIT_MINUTES ?? 30) * 60_000,
    intervalMs: 10_000,
    log: (l) => console.error(l),
  };
  const run =
    mode === 'api'
      ? waitForApi(api, o)
      : mode === 'nodes'
        ? waitForNodes(api, Number(env.EXPECT_NODES ?? 0), o)
        : Promise.reject(new Error(`usage: wait-ready.ts api | nodes (got "${mode ?? ''}")`));
  run.then(
    (state) => console.error(`ready: ${state}`),
    (error: unknown) => {
      console.error(`wait-ready: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

// Bounded waits on a new cluster, run by Pulumi (a local Command) before anything is installed:
//   api:   the API server answers /readyz (the control plane's `kubeadm init` is done);
//   nodes: the expected number of nodes are Ready (workers joined and the CNI runs).
// It reads the kubeconfig from KUBECONFIG_CONTENT (a Pulumi secret) and prints progress only.
// With GUEST_ATTRIBUTE_VMS (and GCP_ZONE, GCP_PROJECT) it also reads each node's bootstrap
// report (./bootstrap-report.ts), shows its step, and stops at once when one has failed.
import { Checks } from '../../config/checks';
import { HttpSend, kubeApi, resolveKubeconfig } from '../../kube/kube-api';
import {
  BootstrapReport,
  describeReport,
  failureMessage,
  gcloudReports,
  ReportReader,
} from './bootstrap-report';

/** The nodes whose bootstrap reports a wait reads, and where they are. */
export interface NodeReports {
  readonly vms: readonly string[];
  readonly zone: string;
  readonly project: string;
  readonly read: ReportReader;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
  /** Read each node's bootstrap report while waiting. @default none */
  readonly reports?: NodeReports;
}

const NO_GCLOUD =
  "gcloud not found: the nodes' bootstrap steps are not shown; waiting on the API server only";

/** Reads every node's report; undefined once gcloud turned out to be missing. */
async function readReports(r: NodeReports): Promise<BootstrapReport[] | undefined> {
  const read = await Promise.all(
    r.vms.map((vm) =>
      r.read(vm).catch((error: unknown): BootstrapReport => ({
        state: 'none',
        detail: `unread (${error instanceof Error ? error.message : String(error)})`,
      })),
    ),
  );
  if (read.includes('no-gcloud')) return undefined;
  return read as BootstrapReport[];
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
  let reports = o.reports && o.reports.vms.length > 0 ? o.reports : undefined;
  for (;;) {
    try {
      const r = await check();
      state = r.state;
      if (r.done) return state;
    } catch (error) {
      state = error instanceof Error ? error.message : String(error);
    }
    let nodes = '';
    const current = reports;
    if (current) {
      const read = await readReports(current);
      if (read === undefined) {
        o.log?.(NO_GCLOUD);
        reports = undefined;
      } else {
        const vm = (i: number) => current.vms[i] ?? '';
        read.forEach((r, i) => {
          if (r.state === 'failed') throw new Error(failureMessage(vm(i), r, current));
        });
        nodes = `; ${read.map((r, i) => describeReport(vm(i), r)).join(', ')}`;
      }
    }
    if (now() >= deadline)
      throw new Error(
        `${what} not within ${Math.round(o.timeoutMs / 60000)} min (last: ${state}${nodes})`,
      );
    o.log?.(`waiting for ${what}: ${state}${nodes}`);
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

/** What the command line asks for, read from its argument and environment. */
export interface WaitSettings {
  readonly mode: 'api' | 'nodes';
  /** Nodes to wait for (mode nodes). */
  readonly expected: number;
  readonly minutes: number;
  /** VMs whose bootstrap reports to read, with their zone and project; none when unset. */
  readonly reports?: { readonly vms: string[]; readonly zone: string; readonly project: string };
}

const VM_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Reads the mode and the environment; a missing or malformed value fails closed, naming the
 * variable, its value and what is allowed (a wait for "0 nodes" would pass at once).
 */
export function readWaitSettings(mode: string | undefined, env: NodeJS.ProcessEnv): WaitSettings {
  if (mode !== 'api' && mode !== 'nodes')
    throw new Error(`usage: wait-ready.ts api | nodes (got "${mode ?? ''}")`);
  const c = new Checks('');
  const integer = (raw: string | undefined) =>
    raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : NaN;
  const expected = integer(env.EXPECT_NODES);
  if (mode === 'nodes')
    c.require(
      expected >= 1 && expected <= 100,
      'EXPECT_NODES',
      env.EXPECT_NODES,
      'the number of nodes to wait for (the control plane and every worker), an integer from 1 to 100',
    );
  const minutes = env.WAIT_MINUTES === undefined ? 30 : integer(env.WAIT_MINUTES);
  c.require(
    minutes >= 1 && minutes <= 180,
    'WAIT_MINUTES',
    env.WAIT_MINUTES,
    'an integer from 1 to 180 (minutes); 30 when unset',
  );
  let reports: WaitSettings['reports'];
  const list = env.GUEST_ATTRIBUTE_VMS;
  if (list !== undefined && list.trim() !== '') {
    const vms = list.split(',').map((v) => v.trim());
    c.require(
      vms.every((v) => VM_NAME.test(v)),
      'GUEST_ATTRIBUTE_VMS',
      list,
      'comma-separated VM names (lowercase letters, digits and "-", starting with a letter)',
    );
    for (const key of ['GCP_ZONE', 'GCP_PROJECT'])
      c.require(
        env[key] !== undefined && VM_NAME.test(env[key] ?? ''),
        key,
        env[key],
        `the ${key === 'GCP_ZONE' ? 'zone' : 'project ID'} of the VMs in GUEST_ATTRIBUTE_VMS`,
      );
    reports = { vms, zone: env.GCP_ZONE ?? '', project: env.GCP_PROJECT ?? '' };
  }
  c.throwIfAny();
  return { mode, expected: mode === 'nodes' ? expected : 0, minutes, reports };
}

if (require.main === module) {
  const fail = (error: unknown) => {
    console.error(`wait-ready: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  };
  try {
    const env = process.env;
    const s = readWaitSettings(process.argv[2], env);
    const api = kubeApi(
      resolveKubeconfig(env.KUBECONFIG_CONTENT ?? '', env.KUBE_CONTEXT ?? ''),
      10_000,
    );
    const o: WaitOptions = {
      timeoutMs: s.minutes * 60_000,
      intervalMs: 10_000,
      log: (l) => console.error(l),
      reports: s.reports && { ...s.reports, read: gcloudReports(s.reports) },
    };
    const run = s.mode === 'api' ? waitForApi(api, o) : waitForNodes(api, s.expected, o);
    run.then((state) => console.error(`ready: ${state}`), fail);
  } catch (error) {
    fail(error);
  }
}

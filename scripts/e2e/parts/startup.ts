// Part `startup`: the API's start-to-ready inside a pod on the node (the dev pod template: a
// 1-CPU limit, its ConfigMap, Secret and database), before and after the start-up work, side by
// side in one run. "Before" runs the image's jar the way the image used to (`java -jar`, no AOT
// initializers, no application class-data archive); "after" runs the image's own entrypoint
// (Spring AOT, the CDS archive trained in the image build, serial GC, C1 only). In each round the
// two pods start together, each under its 1-CPU limit on the 2-core node, so that both meet the
// same machine. They run in a namespace of their own (restricted, like the API's), because the
// API namespace's ResourceQuota admits only one more pod of that size. Their probes run every
// second, so that the figure is not rounded up to the manifest's 5 s probe period.
import { E2eContext } from '../context';
import { APP_NAMESPACE, distPodTemplate, Probe } from './app';

const STARTUP_NAMESPACE = 'e2e-startup';
const NS = ['-n', STARTUP_NAMESPACE];
const ROUNDS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The same probe, run every second, with the same total time allowed before it gives up. */
export function everySecond<P extends Probe>(probe: P | undefined): P | undefined {
  if (!probe) return undefined;
  const period = probe.periodSeconds ?? 10;
  const failures = probe.failureThreshold ?? 3;
  return { ...probe, periodSeconds: 1, failureThreshold: period * failures };
}

interface Listed {
  items: { metadata: { name: string; labels?: Record<string, string> }; [k: string]: unknown }[];
}

/**
 * A namespace with the API namespace's labels (Pod Security restricted) and copies of its
 * ConfigMaps, Secrets and ServiceAccounts: what the dev pod template mounts and runs as.
 */
function startupNamespace(ctx: E2eContext): void {
  const app = JSON.parse(ctx.kubectl('get', 'namespace', APP_NAMESPACE, '-o', 'json')) as {
    metadata: { labels?: Record<string, string> };
  };
  const copies: unknown[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: STARTUP_NAMESPACE, labels: app.metadata.labels },
    },
  ];
  for (const kind of ['configmaps', 'secrets', 'serviceaccounts']) {
    const list = JSON.parse(ctx.kubectl('-n', APP_NAMESPACE, 'get', kind, '-o', 'json')) as Listed;
    for (const { metadata, ...rest } of list.items) {
      if (metadata.name === 'kube-root-ca.crt' || metadata.name === 'default') continue;
      const { apiVersion, kind: k, ...body } = rest;
      copies.push({
        apiVersion,
        kind: k,
        metadata: { name: metadata.name, namespace: STARTUP_NAMESPACE, labels: metadata.labels },
        ...body,
      });
    }
  }
  ctx.node.apply(copies);
}

/** Runs one pod from the template (outside any Deployment) and times it to Ready. */
async function timeOne(
  ctx: E2eContext,
  name: string,
  command: string[] | undefined,
): Promise<number> {
  const t = distPodTemplate('dev');
  const api = t.spec.containers.find((c) => c.name === 'api');
  if (!api) throw new Error('dist/dev: no api container');
  if (command) api.command = command;
  api.readinessProbe = everySecond(api.readinessProbe);
  api.startupProbe = everySecond(api.startupProbe);
  ctx.node.apply([
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: STARTUP_NAMESPACE, labels: { 'e2e/startup': name } },
      spec: { ...t.spec, restartPolicy: 'Never' },
    },
  ]);
  try {
    for (let i = 0; i < 180; i++) {
      await sleep(1000);
      const p = JSON.parse(ctx.kubectl(...NS, 'get', 'pod', name, '-o', 'json')) as {
        status: {
          conditions?: { type: string; status: string; lastTransitionTime: string }[];
          containerStatuses?: { state: { running?: { startedAt: string } } }[];
        };
      };
      const ready = p.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
      const started = p.status.containerStatuses?.[0]?.state.running?.startedAt;
      if (ready && started)
        return (Date.parse(ready.lastTransitionTime) - Date.parse(started)) / 1000;
    }
    throw new Error(`startup: pod ${name} not Ready within 180 s`);
  } finally {
    ctx.node.kubectl([...NS, 'delete', 'pod', name, '--wait=false', '--grace-period=1']);
  }
}

export async function checkStartup(ctx: E2eContext): Promise<void> {
  startupNamespace(ctx);
  const before: number[] = [];
  const after: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const [b, a] = await Promise.all([
        timeOne(ctx, `startup-before-${round}`, ['java', '-jar', 'spring-api.jar']),
        timeOne(ctx, `startup-after-${round}`, undefined),
      ]);
      before.push(b);
      after.push(a);
      // The next round starts on a quiet node.
      ctx.node.kubectl([...NS, 'wait', '--for=delete', 'pod', '--all', '--timeout=60s']);
    }
  } finally {
    ctx.node.kubectl(['delete', 'namespace', STARTUP_NAMESPACE, '--wait=false']);
  }
  const [b, a] = [median(before), median(after)];
  ctx.figure('API pod start to Ready, before (java -jar)', `median ${b} s of ${before.join(', ')}`);
  ctx.figure(
    "API pod start to Ready, after (the image's entrypoint: AOT, CDS, C1 only)",
    `median ${a} s of ${after.join(', ')}; ${(b / a).toFixed(2)}x faster`,
  );
  ctx.check(
    `startup: the image's entrypoint starts at least twice as fast as before in a 1-CPU pod (${b} s → ${a} s)`,
    a * 2 <= b,
  );
}

// Part `startup`: the API's start-to-ready inside a pod on the node (the dev pod template: a
// 1-CPU limit, its ConfigMap, Secret and database), before and after the start-up work, side by
// side in one run. "Before" runs the image's jar the way the image used to (`java -jar`, no AOT
// initializers, no application class-data archive); "after" runs the image's own entrypoint
// (Spring AOT, the CDS archive trained in the image build, serial GC, C1 only). Rounds alternate so that
// both meet the same machine load; each pod's readiness is probed every second for the figure.
import { E2eContext } from '../context';
import { distPodTemplate } from './app';

const NS = ['-n', 'spring-api'];
const ROUNDS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs one pod from the template (outside the Deployment's selector) and times it to Ready. */
async function timeOne(
  ctx: E2eContext,
  name: string,
  command: string[] | undefined,
): Promise<number> {
  const t = distPodTemplate('dev');
  const api = t.spec.containers.find((c) => c.name === 'api');
  if (!api) throw new Error('dist/dev: no api container');
  if (command) api.command = command;
  api.readinessProbe = { ...api.readinessProbe, periodSeconds: 1 };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'e2e/startup': name } },
    spec: { ...t.spec, restartPolicy: 'Never' },
  };
  ctx.node.apply([{ ...pod, metadata: { ...pod.metadata, namespace: 'spring-api' } }]);
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
    ctx.node.kubectl([...NS, 'delete', 'pod', name, '--wait=true', '--grace-period=1']);
  }
}

export async function checkStartup(ctx: E2eContext): Promise<void> {
  const before: number[] = [];
  const after: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    before.push(await timeOne(ctx, `startup-before-${round}`, ['java', '-jar', 'spring-api.jar']));
    after.push(await timeOne(ctx, `startup-after-${round}`, undefined));
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

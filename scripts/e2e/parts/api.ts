// Checks on the running API that several parts share: its pods, its rollout, CRUD through its
// Service, and how long its pods took from container start to Ready.
import { E2eContext } from '../context';

const NS = ['-n', 'spring-api'];
const SELECTOR = 'app.kubernetes.io/name=spring-api';

/** The API's pods that are not terminating, by name. */
export function apiPods(ctx: E2eContext): string[] {
  const list = JSON.parse(ctx.kubectl(...NS, 'get', 'pods', '-l', SELECTOR, '-o', 'json')) as {
    items: { metadata: { name: string; deletionTimestamp?: string } }[];
  };
  return list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
}

/** The Service's address inside the node. */
export function serviceUrl(ctx: E2eContext, port: number): string {
  return `http://${ctx.get([...NS, 'get', 'service', 'spring-api'], '{.spec.clusterIP}')}:${port}`;
}

/** Waits for `kubectl rollout status`; on failure the pods' state and events are the detail. */
export async function waitRolledOut(
  ctx: E2eContext,
  env: string,
  seconds: number,
): Promise<{ ok: boolean; detail: string }> {
  await Promise.resolve();
  const r = ctx.node.exec(
    'kubectl',
    [
      `--kubeconfig=${ctx.node.paths.admin}`,
      ...NS,
      'rollout',
      'status',
      'deployment/spring-api',
      `--timeout=${seconds}s`,
    ],
    undefined,
    (seconds + 10) * 1000,
  );
  if (r.status === 0) return { ok: true, detail: '' };
  const pods = ctx.node.kubectl([...NS, 'get', 'pods', '-o', 'wide']).stdout;
  const events = ctx.node
    .kubectl([...NS, 'get', 'events', '--sort-by=.lastTimestamp'])
    .stdout.split('\n')
    .slice(-12)
    .join('\n');
  return { ok: false, detail: `${env}: ${r.stderr || r.stdout}\n${pods}\n${events}` };
}

/** Creates, reads and deletes an article through the Service with `key`; a missing key is refused. */
export function crud(ctx: E2eContext, env: string, key: string): void {
  const url = `${serviceUrl(ctx, 80)}/api/articles`;
  const auth = { 'Content-Type': 'application/json', 'X-API-Key': key };
  const title = `e2e ${env} ${Date.now()}`;
  const body = JSON.stringify({ title, body: 'written by npm run e2e', author: 'e2e' });
  const refused = ctx.call({
    url,
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  ctx.check(
    `${env}: a write without the API key is refused (401)`,
    refused.status === 401,
    `${refused.status} ${refused.body.slice(0, 200)}`,
  );
  const made = ctx.call({ url, method: 'POST', headers: auth, body });
  if (
    !ctx.check(
      `${env}: POST /api/articles through the Service with the Secret's key (201)`,
      made.status === 201,
      `${made.status} ${made.body.slice(0, 300)}`,
    )
  )
    return;
  const id = (JSON.parse(made.body) as { id: number }).id;
  const read = ctx.call({ url: `${url}/${id}` });
  ctx.check(
    `${env}: GET reads the article back`,
    read.status === 200 && (JSON.parse(read.body) as { title: string }).title === title,
    `${read.status}`,
  );
  const gone = ctx.call({ url: `${url}/${id}`, method: 'DELETE', headers: auth });
  ctx.check(
    `${env}: DELETE removes it (204), then GET answers 404`,
    gone.status === 204 && ctx.call({ url: `${url}/${id}` }).status === 404,
    `${gone.status}`,
  );
}

interface PodStatus {
  status: {
    conditions?: { type: string; status: string; lastTransitionTime: string }[];
    containerStatuses?: { name: string; state: { running?: { startedAt: string } } }[];
  };
}

/** Seconds from the `api` container's start to the pod's Ready, and Spring's own start-up time. */
export function startupOf(ctx: E2eContext, pod: string): { toReady: number; spring: number } {
  const p = JSON.parse(ctx.kubectl(...NS, 'get', 'pod', pod, '-o', 'json')) as PodStatus;
  const started =
    p.status.containerStatuses?.find((c) => c.name === 'api')?.state.running?.startedAt ?? '';
  const ready =
    p.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')
      ?.lastTransitionTime ?? '';
  const logs = ctx.node.kubectl([...NS, 'logs', pod, '-c', 'api']).stdout;
  const m = /Started \S+ in ([\d.]+) seconds \(process running for ([\d.]+)\)/.exec(logs);
  return {
    toReady: (Date.parse(ready) - Date.parse(started)) / 1000,
    spring: m ? Number(m[2]) : NaN,
  };
}

export function startupFigures(ctx: E2eContext, env: string): void {
  for (const pod of apiPods(ctx)) {
    const s = startupOf(ctx, pod);
    ctx.figure(
      `${env}: pod ${pod} start to Ready`,
      `${s.toReady} s (JVM start to Spring started: ${s.spring} s)`,
    );
  }
}

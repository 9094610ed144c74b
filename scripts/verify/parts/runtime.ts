// verify's parts that run the built jar and other real programs: jar, ingress, api,
// node-network, etcd-restore and db-restore.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RenderedEnvironment } from '../../../infra/apps/render';
import { metadataBlockRules } from '../../../infra/cluster/gcp/metadata-block';
import { LocalCluster } from '../local-cluster';
import { ProcessGroup } from '../processes';
import { checkDevJar } from '../jar-check';
import { checkApiContract, MAX_EXAMPLES, SEED } from '../api-check';
import { checkIngressPaths } from '../ingress-check';
import { metricSource, platformQueries, selectors } from '../platform-check';
import { checkNodeNetwork } from '../node-network-check';
import { checkEtcdRestore, describeRestore } from '../etcd-restore-check';
import { checkDbRestore, describeDbRestore } from '../db-restore-check';
import { root, Tally } from './tally';

export async function checkJar(
  cluster: LocalCluster,
  rendered: readonly RenderedEnvironment[],
  t: Tally,
): Promise<void> {
  const dev = rendered.find((e) => e.environment === 'dev');
  if (!dev) return;
  const queries = platformQueries();
  const scratch = mkdtempSync(join(tmpdir(), 'verify-jar-'));
  try {
    const failures = await checkDevJar(
      cluster,
      dev.objects,
      join(root, 'apps', 'spring-api', 'target', 'spring-api.jar'),
      scratch,
      [...queries.rules, ...queries.dashboard],
    );
    t.failures.push(...failures.map((f) => `jar: ${f}`));
    if (failures.length === 0) t.passed++;
    const apiMetrics = new Set(
      [...queries.rules, ...queries.dashboard]
        .flatMap((q) => selectors(q))
        .filter((s) => metricSource(s.metric) === 'api')
        .map((s) => s.metric),
    );
    console.log(
      `verify: jar: ready on its readiness probe with the dev ConfigMap and Secret mounted; on the management port's /actuator/configsources the API key from the Secret's variable, ` +
        `settings from the ConfigMap folder, 404 for it on the API port, a write with the key accepted into a local PostgreSQL bootstrapped as the platform's ` +
        `(owner and password from the dev manifests); the ${apiMetrics.size} API metrics the alert rules ` +
        `and dashboard read are exposed with their labels (${failures.length === 0 ? 'ok' : 'FAILED'})`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function checkIngress(processes: ProcessGroup, t: Tally): Promise<void> {
  const report = await checkIngressPaths(
    processes,
    join(root, '.tools', 'nginx', 'usr', 'sbin', 'nginx'),
    join(root, 'apps', 'spring-api', 'target', 'spring-api.jar'),
    join(root, 'apps', 'spring-api', 'src', 'test', 'resources', 'path-spellings.txt'),
  );
  t.failures.push(...report.failures.map((f) => `ingress: ${f}`));
  if (report.failures.length === 0) t.passed++;
  console.log(
    `verify: ingress: nginx shaped like ingress-nginx's location for the API forwarded ${report.forwardedAsSent} of ` +
      `${report.spellings} write-route spellings exactly as sent and answered ${report.refusedByNginx.length} itself ` +
      `(${report.refusedByNginx.join(', ') || 'none'}); through it, ${report.writeAttempts} write attempts without ` +
      `the right key all refused by the jar, its store unchanged (${report.failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

export async function checkApi(processes: ProcessGroup, t: Tally): Promise<void> {
  const binary = join(root, '.tools', 'schemathesis-venv', 'bin', 'schemathesis');
  const jar = join(root, 'apps', 'spring-api', 'target', 'spring-api.jar');
  let result;
  try {
    result = await checkApiContract(processes, jar, binary);
  } catch (error) {
    t.failures.push(`api: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const { run, selfTest, failures } = result;
  t.failures.push(...failures.map((f) => `api: ${f}`));
  if (failures.length === 0) t.passed++;
  console.log(
    `verify: api: schemathesis ${run?.version ?? '?'} with every check (--max-examples ${MAX_EXAMPLES}, --seed ${SEED}) ` +
      `against the jar's /v3/api-docs: ${run?.generated ?? 0} cases over ${run?.tested ?? 0} of ${run?.operations ?? 0} operations, ` +
      `${run?.failures.reduce((n, f) => n + f.count, 0) ?? '?'} failures; a document missing a 404 and saying a page is never empty ` +
      `draws ${selfTest?.failures.map((f) => f.code).join(', ') || 'nothing'} (${failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

export async function checkRestore(processes: ProcessGroup, t: Tally): Promise<void> {
  let report;
  try {
    report = await checkEtcdRestore(processes, join(root, '.tools', 'bin', 'kube-apiserver'));
  } catch (error) {
    t.failures.push(`etcd-restore: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  t.failures.push(...report.failures.map((f) => `etcd-restore: ${f}`));
  t.passed += report.passed;
  console.log(describeRestore(report));
}

export async function checkDbRestorePart(processes: ProcessGroup, t: Tally): Promise<void> {
  let report;
  try {
    report = await checkDbRestore(processes);
  } catch (error) {
    t.failures.push(`db-restore: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  t.failures.push(...report.failures.map((f) => `db-restore: ${f}`));
  t.passed += report.passed;
  console.log(describeDbRestore(report));
}

export async function checkNodeNetworkPart(t: Tally): Promise<void> {
  const { failures, seconds } = await checkNodeNetwork(metadataBlockRules());
  t.failures.push(...failures.map((f) => `node-network: ${f}`));
  if (failures.length === 0) t.passed++;
  console.log(
    `verify: node-network: the rendered metadata block, in namespaces behind Calico-shaped ACCEPTs: a pod's ` +
      `connection to 169.254.169.254:80 (directly or through a DNATed Service) dropped, its DNS (:53) and other ` +
      `destinations through the node answered, the node itself answered; idempotent; an ACCEPT placed above it ` +
      `lets the pod through until the re-run restores it (${seconds.toFixed(1)} s, ${failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

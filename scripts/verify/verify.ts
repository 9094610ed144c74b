// `npm run verify`: what the repository produces, checked by the real components users run.
// A kube-apiserver at the cluster's minor (with etcd) on 127.0.0.1 receives every environment's
// manifests as server-side dry-runs with strict field validation, inside the API's own
// namespace, which enforces Pod Security `restricted`. Any rejection or warning fails the run
// with the object and the server's message. Self-tests first prove each check can fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { devSecretsFile, loadDevSecrets } from '../../infra/apps/dev-secrets';
import { DEV_SECRET_PROPERTIES, springApiProfiles } from '../../infra/apps/environments';
import { renderAll, RenderedEnvironment } from '../../infra/apps/render';
import { vaultAccessOf } from '../../infra/apps/vault-access';
import { LocalCluster } from './local-cluster';
import { ProcessGroup } from './processes';
import { checkDevJar } from './jar-check';
import { checkApiContract, MAX_EXAMPLES, SEED } from './api-check';
import { checkIngressPaths } from './ingress-check';
import { helmChecks, kubeScore, lintEnvironments, readExceptions } from './lint';
import { checkAccess, LocalVault, prepare } from './vault-check';
import { checkKubeadmConfigs, checkReadinessWaits } from './cluster-check';
import { KUBERNETES_VERSION } from '../../infra/config/nodes';
import {
  checkCharts,
  checkRules,
  metricSource,
  platformQueries,
  selectors,
} from './platform-check';
import { checkNodeNetwork } from './node-network-check';
import { metadataBlockRules } from '../../infra/cluster/gcp/metadata-block';
import { checkEtcdRestore, describeRestore } from './etcd-restore-check';
import { configureVault } from '../../infra/platform/vault/configure';
import { INIT_SECRET } from '../../infra/platform/vault/cli';

const root = resolve(__dirname, '..', '..');

/** Kinds whose CRDs cannot be had offline; tools/crdcheck checks them in `npm test`. */
export const SCHEMA_CHECKED_ONLY = ['ServiceMonitor'];

/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */
// Manifests are plain JSON here; typing every path read would add nothing.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The Pod a Deployment would create: Pod Security enforces (rejects) Pods, it only warns on workloads. */
export function podFromTemplate(deployment: Json): Json {
  const template = deployment.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment.metadata.name}-template-check`,
      namespace: deployment.metadata.namespace,
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations ?? {},
    },
    spec: template.spec,
  };
}

/** One object dry-run on the server; returns a problem description or undefined. */
function dryRun(cluster: LocalCluster, object: Json, verb: 'apply' | 'create'): string | undefined {
  const args =
    verb === 'apply'
      ? [
          'apply',
          '--server-side',
          '--field-manager=verify',
          '--dry-run=server',
          '--validate=strict',
          '-f',
          '-',
        ]
      : ['create', '--dry-run=server', '--validate=strict', '-f', '-'];
  const run = cluster.kubectl(args, object);
  if (run.status !== 0) return run.stderr || run.stdout;
  const warnings = run.stderr.split('\n').filter((l) => l.startsWith('Warning:'));
  return warnings.length > 0 ? warnings.join('\n') : undefined;
}

function label(o: Json): string {
  return `${o.kind}/${o.metadata.name}`;
}

function selfTest(cluster: LocalCluster, sample: Json): string[] {
  const problems: string[] = [];
  const ns = 'verify-self-test';
  const created = cluster.kubectl(['apply', '--server-side', '-f', '-'], {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  });
  if (created.status !== 0) return [`self-test namespace: ${created.stderr}`];

  // Valid for the API server, forbidden only by Pod Security `restricted`.
  const escalating = JSON.parse(JSON.stringify(sample)) as Json;
  escalating.metadata.namespace = ns;
  escalating.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
  const warned = dryRun(cluster, escalating, 'apply') ?? '';
  if (!warned.includes('would violate PodSecurity')) {
    problems.push(`self-test: a restricted-violating Deployment passed: ${warned}`);
  }
  const rejected = dryRun(cluster, podFromTemplate(escalating), 'create') ?? '';
  if (!rejected.includes('violates PodSecurity')) {
    problems.push(`self-test: a restricted-violating Pod was admitted: ${rejected}`);
  }

  const misspelt = JSON.parse(JSON.stringify(sample)) as Json;
  misspelt.metadata.namespace = ns;
  misspelt.spec.revisionHistoryLimt = 3;
  const strict = dryRun(cluster, misspelt, 'apply') ?? '';
  // Server-side apply words it "field not declared in schema"; a strict create, "unknown field".
  if (!/field not declared in schema|unknown field/.test(strict)) {
    problems.push(`self-test: a misspelt field passed: ${strict}`);
  }
  return problems;
}

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
] as const;
type Part = (typeof PARTS)[number];
/** Parts that need no shared kube-apiserver: run alone, they start none (etcd-restore starts its own). */
const WITHOUT_CLUSTER: readonly Part[] = ['api', 'ingress', 'node-network', 'etcd-restore'];

interface Tally {
  passed: number;
  readonly failures: string[];
}

function checkManifests(
  cluster: LocalCluster,
  rendered: readonly RenderedEnvironment[],
  t: Tally,
): void {
  const sample = rendered[0]?.objects.find((o) => o.kind === 'Deployment') as Json;
  const selfProblems = selfTest(cluster, sample);
  t.failures.push(...selfProblems);
  console.log(
    `verify: self-tests ${selfProblems.length === 0 ? 'ok' : 'FAILED'} (a restricted-violating workload warned, its Pod rejected, a misspelt field rejected)`,
  );
  const skipped = new Set<string>();
  for (const env of rendered) {
    const namespaces = env.objects.filter((o) => o.kind === 'Namespace');
    for (const ns of namespaces) {
      // Namespaces are created for real so that the objects inside them can be dry-run.
      const applied = cluster.kubectl(
        ['apply', '--server-side', '--field-manager=verify', '-f', '-'],
        ns,
      );
      if (applied.status !== 0)
        t.failures.push(`${env.environment} ${label(ns)}: ${applied.stderr}`);
      const live = cluster.kubectl(['get', 'namespace', ns.metadata.name, '-o', 'json']);
      const labels = (JSON.parse(live.stdout || '{}') as Json).metadata?.labels ?? {};
      if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted') {
        t.failures.push(`${env.environment} ${label(ns)}: does not enforce restricted`);
      } else t.passed++;
    }
    const objects: { object: Json; verb: 'apply' | 'create' }[] = [];
    for (const o of env.objects) {
      if (o.kind === 'Namespace') continue;
      if (SCHEMA_CHECKED_ONLY.includes(o.kind)) {
        skipped.add(`${o.kind} (${env.environment})`);
        continue;
      }
      objects.push({ object: o, verb: 'apply' });
      if (o.kind === 'Deployment') objects.push({ object: podFromTemplate(o), verb: 'create' });
    }
    for (const { object, verb } of objects) {
      const problem = dryRun(cluster, object, verb);
      if (problem) t.failures.push(`${env.environment} ${label(object)}: ${problem}`);
      else t.passed++;
    }
    console.log(
      `verify: ${env.environment}: ${objects.length + namespaces.length} objects checked`,
    );
  }
  console.log(
    `verify: schema-checked only (no CRD offline; tools/crdcheck in npm test): ${[...skipped].join(', ')}`,
  );
}

function checkLint(rendered: readonly RenderedEnvironment[], t: Tally): void {
  const binary = join(root, '.tools', 'bin', 'kube-score');
  const exceptions = readExceptions(join(root, 'tools', 'kube-score-exceptions.json'));
  // Self-test: a Deployment without resources must draw findings.
  const prod = rendered.find((e) => e.environment === 'prod');
  const bare = JSON.parse(
    JSON.stringify(prod?.objects.find((o) => o.kind === 'Deployment')),
  ) as Json;
  delete bare.spec.template.spec.containers[0].resources;
  if (kubeScore(binary, JSON.stringify(bare), exceptions).length === 0) {
    t.failures.push('self-test: kube-score did not flag a container without resources');
  }
  const findings = lintEnvironments(binary, rendered, exceptions);
  t.failures.push(...findings.map((f) => `kube-score ${f}`));
  if (findings.length === 0) t.passed += rendered.length;
  console.log(
    `verify: kube-score v1.20.0 (default checks, --kubernetes-version v${KUBERNETES_MINOR}): ${findings.length} finding(s) over ` +
      `${rendered.length} environments; ${exceptions.length} justified exceptions in tools/kube-score-exceptions.json`,
  );
  const helm = helmChecks(join(root, '.tools', 'bin', 'helm'), rendered, '0.0.0-verify');
  t.failures.push(...helm.map((p) => `helm ${p}`));
  if (helm.length === 0) t.passed += rendered.length;
  console.log(
    `verify: helm v3.17.4: ${rendered.length} generated charts lint clean (--strict) and render the plain manifests (${helm.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

function checkPlatform(cluster: LocalCluster, t: Tally): void {
  const rules = checkRules('promtool');
  t.failures.push(...rules.failures.map((f) => `rules: ${f}`));
  if (rules.failures.length === 0) t.passed++;
  console.log(
    `verify: promtool: ${rules.rules} rules (the API's and the control plane upkeep's) check and pass their unit tests, which fail against a broken threshold; ` +
      `the dashboard's queries parse (${rules.failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
  const charts = checkCharts(join(root, '.tools', 'bin', 'helm'), cluster);
  t.failures.push(...charts.failures.map((f) => `charts: ${f}`));
  if (charts.failures.length === 0) t.passed++;
  console.log(
    `verify: charts: the wrapper charts' own templates lint (--strict) and render for minikube and gcp; ` +
      `${charts.objects} objects decoded strictly or dry-run on the API server (${charts.failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

async function checkCluster(cluster: LocalCluster, t: Tally): Promise<void> {
  const waits = await checkReadinessWaits(cluster);
  t.failures.push(...waits.map((f) => `readiness: ${f}`));
  if (waits.length === 0) t.passed++;
  console.log(
    `verify: readiness waits: /readyz, then Ready nodes counted through the status subresource; 3 of 4 times out, 4 of 4 passes ` +
      `(${waits.length === 0 ? 'ok' : 'FAILED'})`,
  );
  const kubeadm = checkKubeadmConfigs(join(root, '.tools', 'bin', 'kubeadm'));
  t.failures.push(...kubeadm.failures.map((f) => `kubeadm: ${f}`));
  if (kubeadm.failures.length === 0) t.passed += kubeadm.checked;
  console.log(
    `verify: kubeadm ${KUBERNETES_VERSION}: the gcp control plane's and workers' configs validate strictly; a misspelt field is refused ` +
      `(${kubeadm.failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

async function checkVault(
  cluster: LocalCluster,
  rendered: readonly RenderedEnvironment[],
  t: Tally,
): Promise<void> {
  // The Vault path the staging and prod pods take: Kubernetes auth with the app's own token.
  const prod = rendered.find((e) => e.environment === 'prod');
  const wanted = vaultAccessOf(prod?.objects ?? []);
  if (!wanted) {
    t.failures.push('vault: the prod manifests take no secrets from Vault');
    return;
  }
  const { access, secretKeys } = wanted;
  const vault = await LocalVault.start(cluster, join(root, '.tools', 'verify-venv', 'bin', 'bao'));
  const { configuration, initStore, values } = prepare(cluster, vault, access, secretKeys);
  const fail = (m: string) => t.failures.push(`vault: ${m}`);
  const expectSteps = (run: string, report: readonly string[], wanted: readonly RegExp[]) => {
    for (const w of wanted) {
      if (!report.some((line) => w.test(line)))
        fail(`${run}: no step ${w} in: ${report.join('; ')}`);
    }
  };
  // 1. A fresh server: initialized, its material kept in the cluster, everything configured.
  expectSteps('first run', await configureVault(configuration), [
    /^initialized \(shamir seal\); init material kept in Secret vault\/vault-init$/,
    /^unsealed$/,
    /^enabled auth kubernetes\/$/,
    /^mounted KV v2 at secret\/$/,
    new RegExp(`^${access.role}: policy, role and ${secretKeys.length} secret keys written$`),
  ]);
  const material = await initStore.load();
  const stored = cluster.kubectl(['-n', 'vault', 'get', 'secret', INIT_SECRET, '-o', 'json']);
  if (!material?.rootToken || (JSON.parse(stored.stdout || '{}') as Json).immutable !== true)
    fail('the init material is not in an immutable Secret vault/vault-init');
  // 2. Run again: nothing to do.
  expectSteps('second run', await configureVault(configuration), [
    /^already initialized$/,
    /^KV v2 at secret\/ already mounted$/,
    new RegExp(`^${access.role}: policy and role written; secrets unchanged$`),
  ]);
  // 3. The server restarts sealed (as a standalone Vault does after a pod restart): unsealed.
  await vault.restart();
  expectSteps('after a restart', await configureVault(configuration), [/^unsealed$/]);

  const rootToken = material?.rootToken ?? '';
  // Self-test: a too-broad policy must be caught by the access check; a re-run restores it.
  vault.run(
    ['policy', 'write', access.role, '-'],
    rootToken,
    'path "secret/data/*" {\n  capabilities = ["read"]\n}\n',
  );
  if (!checkAccess(cluster, vault, rootToken, access, values).some((f) => f.includes('too broad')))
    t.failures.push('self-test: a too-broad Vault policy went unnoticed');
  await configureVault(configuration);
  const failures = checkAccess(cluster, vault, rootToken, access, values);
  failures.forEach(fail);
  if (failures.length === 0) t.passed++;
  console.log(
    `verify: vault: the platform's configuration initializes, unseals after a restart and re-runs idempotently; ` +
      `role ${access.role} reads ${access.kvDataPath} (${secretKeys.join(', ')}) and nothing else; ` +
      `other tokens refused; a too-broad policy is caught (${failures.length === 0 ? 'ok' : 'FAILED'})`,
  );
}

async function checkJar(
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
        `settings from the ConfigMap folder, 404 for it on the API port, a write with the key accepted; the ${apiMetrics.size} API metrics the alert rules ` +
        `and dashboard read are exposed with their labels (${failures.length === 0 ? 'ok' : 'FAILED'})`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function checkIngress(processes: ProcessGroup, t: Tally): Promise<void> {
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

async function checkApi(processes: ProcessGroup, t: Tally): Promise<void> {
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

async function checkRestore(processes: ProcessGroup, t: Tally): Promise<void> {
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

async function checkNodeNetworkPart(t: Tally): Promise<void> {
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

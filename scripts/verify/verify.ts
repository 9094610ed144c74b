// `npm run verify`: what the repository produces, checked by the real components users run.
// A kube-apiserver at the cluster's minor (with etcd) on 127.0.0.1 receives every environment's
// manifests as server-side dry-runs with strict field validation, inside the API's own
// namespace, which enforces Pod Security `restricted`. Any rejection or warning fails the run
// with the object and the server's message. Self-tests first prove each check can fail.
import { join, resolve } from 'node:path';
import { KUBERNETES_MINOR } from '../../infra/config/environments';
import { loadDevSecrets } from '../../infra/apps/dev-secrets';
import { DEV_SECRET_PROPERTIES, springApiProfiles } from '../../infra/apps/environments';
import { ManifestObject, renderAll } from '../../infra/apps/render';
import { PLATFORM_ENDPOINTS } from '../../infra/config/platform';
import { AppVaultAccess } from '../../infra/platform/vault/app-access';
import { LocalCluster } from './local-cluster';
import { checkAppAccess, LocalVault } from './vault-check';

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

async function main(): Promise<number> {
  const started = Date.now();
  const profiles = springApiProfiles(
    loadDevSecrets(join(root, '.secrets', 'dev.json'), DEV_SECRET_PROPERTIES),
  );
  const rendered = renderAll(profiles);
  const cluster = await LocalCluster.start(join(root, '.tools', 'bin', 'kube-apiserver'));
  const stop = (): void => cluster.stop();
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }

  const failures: string[] = [];
  let passed = 0;
  try {
    const version = cluster.kubectl(['version', '-o', 'json']);
    const server = (JSON.parse(version.stdout) as Json).serverVersion.gitVersion as string;
    console.log(`verify: kube-apiserver ${server} on 127.0.0.1`);
    if (!server.startsWith(`v${KUBERNETES_MINOR}.`))
      failures.push(`server ${server} is not at minor ${KUBERNETES_MINOR}`);

    const sample = rendered[0]?.objects.find((o) => o.kind === 'Deployment') as Json;
    const selfProblems = selfTest(cluster, sample);
    failures.push(...selfProblems);
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
          failures.push(`${env.environment} ${label(ns)}: ${applied.stderr}`);
        const live = cluster.kubectl(['get', 'namespace', ns.metadata.name, '-o', 'json']);
        const enforce = (JSON.parse(live.stdout || '{}') as Json).metadata?.labels?.[
          'pod-security.kubernetes.io/enforce'
        ];
        if (enforce !== 'restricted')
          failures.push(`${env.environment} ${label(ns)}: does not enforce restricted`);
        else passed++;
      }
      const objects: { object: ManifestObject | Json; verb: 'apply' | 'create' }[] = [];
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
        if (problem) failures.push(`${env.environment} ${label(object)}: ${problem}`);
        else passed++;
      }
      console.log(
        `verify: ${env.environment}: ${objects.length + namespaces.length} objects checked`,
      );
    }
    // The Vault path the staging and prod pods take: Kubernetes auth with the app's own token.
    const prod = rendered.find((e) => e.environment === 'prod');
    const deployment = prod?.objects.find((o) => o.kind === 'Deployment') as Json;
    const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;
    const access: AppVaultAccess = {
      role: annotations['vault.hashicorp.com/role'] ?? '',
      namespace: deployment.metadata.namespace,
      serviceAccount: deployment.spec.template.spec.serviceAccountName,
      kvDataPath: annotations['vault.hashicorp.com/agent-inject-secret-app.api-key'] ?? '',
      audience: PLATFORM_ENDPOINTS.vault.tokenAudience,
    };
    const secretKeys = Object.keys(annotations)
      .filter((a) => a.startsWith('vault.hashicorp.com/agent-inject-secret-'))
      .map((a) => a.slice('vault.hashicorp.com/agent-inject-secret-'.length));
    const vault = await LocalVault.start(
      cluster,
      join(root, '.tools', 'verify-venv', 'bin', 'bao'),
    );
    const broad = checkAppAccess(
      cluster,
      vault,
      access,
      secretKeys,
      'path "secret/data/*" {\n  capabilities = ["read"]\n}\n',
    );
    if (!broad.some((f) => f.includes('too broad')))
      failures.push('self-test: a too-broad Vault policy went unnoticed');
    const vaultFailures = checkAppAccess(cluster, vault, access, secretKeys);
    failures.push(...vaultFailures.map((f) => `vault: ${f}`));
    if (vaultFailures.length === 0) passed++;
    console.log(
      `verify: vault: role ${access.role} reads ${access.kvDataPath} (${secretKeys.join(', ')}) and nothing else; ` +
        `other tokens refused; a too-broad policy is caught (${vaultFailures.length === 0 ? 'ok' : 'FAILED'})`,
    );
    console.log(
      `verify: schema-checked only (no CRD offline; tools/crdcheck in npm test): ${[...skipped].join(', ')}`,
    );
  } finally {
    await cluster.stopAndWait();
  }

  for (const f of failures) console.error(`verify: FAIL ${f}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`verify: ${passed} passed, ${failures.length} failed in ${seconds} s`);
  return failures.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`verify: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

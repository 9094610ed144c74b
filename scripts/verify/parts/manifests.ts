// verify's `manifests` part: every environment's manifests dry-run on the server with strict
// field validation inside namespaces enforcing Pod Security `restricted`; self-tests first.
import { checkCustomResources } from '../crdcheck';
import { LocalCluster } from '../local-cluster';
import { builtIn } from '../platform-check';
import { RenderedEnvironment } from '../../../infra/apps/render';
import { Json, Tally } from './tally';

/**
 * Custom resource kinds of the manifests. Their CRDs are not installed on verify's API server, so
 * instead of a dry-run they are decoded strictly into their operators' Go types (tools/crdcheck).
 */
export const DECODED_NOT_DRY_RUN = ['ServiceMonitor', 'Certificate'];

/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */

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

export function checkManifests(
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
  const decoded = new Set<string>();
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
      if (!builtIn(String(o.apiVersion))) {
        const [result] = checkCustomResources([o]);
        if (!DECODED_NOT_DRY_RUN.includes(o.kind) || result?.status !== 'ok')
          t.failures.push(
            `${env.environment} ${label(o)}: ${result?.status === 'error' ? result.message : 'no Go type to decode it with'}`,
          );
        else t.passed++;
        decoded.add(`${o.kind} (${env.environment})`);
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
    `verify: decoded strictly into their operators' Go types (tools/crdcheck), not dry-run: ${[...decoded].join(', ')}`,
  );
}

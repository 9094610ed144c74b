// What part `vault` reads off the cluster, as pure functions over kubectl's JSON and the pods'
// answers, so each rule has a unit test: the configsources report, the secret files' modes and
// owners, the agent's log, the pods' timings, and the pod that asks for a role Vault lacks.

type Json = Record<string, unknown>;

/** A line per secret file, as `stat -c '%a %u %n'` prints it. */
export function secretFileFailures(
  statOutput: string,
  dir: string,
  properties: readonly string[],
  expected: { readonly mode: string; readonly uid: number },
): string[] {
  const seen = new Map<string, { mode: string; uid: number }>();
  for (const line of statOutput.split('\n')) {
    const m = /^(\d+) (\d+) (\S+)$/.exec(line.trim());
    if (m) seen.set(m[3] ?? '', { mode: m[1] ?? '', uid: Number(m[2]) });
  }
  return properties.flatMap((p) => {
    const file = `${dir}/${p}`;
    const s = seen.get(file);
    if (!s) return [`${file} is missing`];
    if (s.mode !== expected.mode || s.uid !== expected.uid)
      return [
        `${file} is mode ${s.mode} owned by ${s.uid}, expected ${expected.mode} owned by ${expected.uid}`,
      ];
    return [];
  });
}

/**
 * The configsources report as an operator reads it in staging: every secret property set from
 * the secrets folder, its origin the property's own file there, and no secret value anywhere.
 */
export function configSourcesFailures(
  text: string,
  dir: string,
  properties: readonly string[],
  secretValues: readonly string[],
): string[] {
  let report: Json;
  try {
    report = JSON.parse(text) as Json;
  } catch {
    return [`not JSON: ${text.slice(0, 200)}`];
  }
  const reported = (report.properties ?? {}) as Record<string, Json | undefined>;
  const failures = properties.flatMap((p) => {
    const r = reported[p];
    if (r?.set !== true || r.kind !== 'secrets-folder' || !String(r.origin).includes(`${dir}/${p}`))
      return [`${p} should come from ${dir}/${p} (secrets-folder), came from ${JSON.stringify(r)}`];
    return [];
  });
  if (secretValues.some((v) => v !== '' && text.includes(v)))
    failures.push('the report shows a secret value');
  return failures;
}

/** What the agent's log must show: a login with the projected token and each rendered file. */
export function agentLogFailures(log: string, files: readonly string[]): string[] {
  const failures: string[] = [];
  if (!/authentication successful/.test(log)) failures.push('no "authentication successful"');
  for (const f of files)
    if (!new RegExp(`rendered .*${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(log))
      failures.push(`no "rendered ... ${f}"`);
  return failures;
}

/** Seconds between the first and the last timestamped line of a log (the agent's own clock, ms). */
export function logSpanSeconds(log: string): number {
  const stamps = [...log.matchAll(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/gm)].map((m) =>
    Date.parse(m[1] ?? ''),
  );
  if (stamps.length < 2) return NaN;
  return (Math.max(...stamps) - Math.min(...stamps)) / 1000;
}

/** The readable refusal OpenBao answers a login to a role it lacks, as the agent logs it. */
export function refusedLogin(log: string, role: string): string | undefined {
  const name = role.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`[^\\n]*(invalid role name[^\\n]*${name}|permission denied)[^\\n]*`).exec(
    log,
  );
  return m ? m[0].trim() : undefined;
}

interface PodJson {
  metadata: { creationTimestamp: string };
  status: {
    conditions?: { type: string; status: string; lastTransitionTime: string }[];
    initContainerStatuses?: {
      name: string;
      state: { terminated?: { exitCode: number; startedAt: string; finishedAt: string } };
    }[];
  };
}

/** Seconds from the pod's creation to Ready, and the init container's run, from its status. */
export function podTimings(
  pod: PodJson,
  initContainer: string,
): { toReady: number; init: number; initExit: number | undefined } {
  const ready = pod.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  const term = pod.status.initContainerStatuses?.find((c) => c.name === initContainer)?.state
    .terminated;
  const seconds = (from: string, to: string | undefined) =>
    to ? (Date.parse(to) - Date.parse(from)) / 1000 : NaN;
  return {
    toReady: seconds(pod.metadata.creationTimestamp, ready?.lastTransitionTime),
    init: term ? seconds(term.startedAt, term.finishedAt) : NaN,
    initExit: term?.exitCode,
  };
}

/**
 * A pod from the Deployment's own template (its annotations, service account, token volume and
 * security context) that asks for `role` instead, with a small shell container in place of the
 * API and labels of its own, so no Service, PodDisruptionBudget or ReplicaSet takes it.
 */
export function wrongRolePod(
  deployment: Json,
  opts: { readonly name: string; readonly role: string; readonly image: string },
): Json {
  const template = (deployment.spec as { template: { metadata: Json; spec: Json } }).template;
  const annotations = {
    ...(template.metadata.annotations as Record<string, string>),
    'vault.hashicorp.com/role': opts.role,
  };
  const containers = template.spec.containers as Json[];
  const first = containers[0] ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: opts.name,
      namespace: (deployment.metadata as Json).namespace,
      labels: { 'app.kubernetes.io/name': opts.name },
      annotations,
    },
    spec: {
      ...template.spec,
      containers: [
        {
          name: 'probe',
          image: opts.image,
          imagePullPolicy: 'Never',
          command: ['sleep', '3600'],
          resources: {
            requests: { cpu: '10m', memory: '16Mi' },
            limits: { cpu: '50m', memory: '32Mi' },
          },
          securityContext: first.securityContext,
        },
      ],
      volumes: ((template.spec.volumes ?? []) as Json[]).filter((v) => !('configMap' in v)),
      terminationGracePeriodSeconds: 1,
    },
  };
}

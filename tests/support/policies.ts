import { ManifestObject } from '../../infra/apps/render';

// Policy checks over synthesized objects. Each returns human-readable violations naming the
// object; an empty list means the policy holds. Tests prove each one can fail.

type Json = any;

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'];

function id(o: ManifestObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function podTemplate(o: ManifestObject): Json {
  return WORKLOAD_KINDS.includes(o.kind) ? (o as Json).spec?.template : undefined;
}

function containers(spec: Json): Json[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** Restricted security context on every container, /tmp writable through an emptyDir. */
export function securityContextViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec) continue;
    const pod = spec.securityContext ?? {};
    for (const c of containers(spec)) {
      const sc = c.securityContext ?? {};
      const where = `${id(o)} container ${c.name}`;
      const user = sc.runAsUser ?? pod.runAsUser;
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true)
        out.push(`${where}: runAsNonRoot is not true`);
      if (!Number.isInteger(user) || user < 1000)
        out.push(`${where}: runAsUser ${user} is not a non-root numeric UID`);
      if (sc.readOnlyRootFilesystem !== true)
        out.push(`${where}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false)
        out.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.privileged === true) out.push(`${where}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL'))
        out.push(`${where}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) out.push(`${where}: adds capabilities`);
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault')
        out.push(`${where}: seccompProfile is ${seccomp}, not RuntimeDefault`);
      const tmp = (c.volumeMounts ?? []).find((m: Json) => m.mountPath === '/tmp');
      const volume = tmp && (spec.volumes ?? []).find((v: Json) => v.name === tmp.name);
      if (!volume?.emptyDir) out.push(`${where}: /tmp is not an emptyDir mount`);
    }
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC)
      out.push(`${id(o)}: uses host namespaces`);
  }
  return out;
}

/** CPU and memory requests and limits on every container. */
export function resourceViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec) continue;
    for (const c of containers(spec)) {
      for (const kind of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          if (c.resources?.[kind]?.[resource] === undefined) {
            out.push(`${id(o)} container ${c.name}: no ${resource} ${kind.replace(/s$/, '')}`);
          }
        }
      }
    }
  }
  return out;
}

/** Startup, readiness and liveness probes on every long-running container. */
export function probeViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec || o.kind === 'Job') continue;
    for (const c of spec.containers ?? []) {
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        if (!c[probe]) out.push(`${id(o)} container ${c.name}: no ${probe}`);
      }
    }
  }
  return out;
}

/** Every image pinned by a tag other than latest (or by digest). */
export function imageViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = podTemplate(o)?.spec;
    if (!spec) continue;
    for (const c of containers(spec)) {
      const image = String(c.image ?? '');
      const withoutDigest = image.split('@')[0] ?? '';
      const lastSegment = withoutDigest.split('/').pop() ?? '';
      const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
      if (!image.includes('@sha256:') && (!tag || tag.toLowerCase() === 'latest')) {
        out.push(`${id(o)} container ${c.name}: image "${image}" is not pinned`);
      }
    }
  }
  return out;
}

const SENSITIVE_NAME =
  /(password|passwd|secret|token|api[-_.]?key|apikey|credential|private[-_.]?key)/i;
const KNOWN_FORMATS = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ/,
  /\bAKIA[0-9A-Z]{16}\b/,
];

function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/**
 * A long token-like string mixing upper case, lower case and digits with high entropy: the
 * shape of generated keys and passwords (base64 or base64url), not of names or paths.
 */
export function looksRandom(value: string): boolean {
  return (
    /^[A-Za-z0-9+_=-][A-Za-z0-9+/_=-]{19,}$/.test(value) &&
    /[a-z]/.test(value) &&
    /[A-Z]/.test(value) &&
    /[0-9]/.test(value) &&
    entropy(value) > 3.5
  );
}

function walk(value: Json, path: string[], visit: (path: string[], value: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, String(i)], visit));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit);
  }
}

/**
 * No Secret objects and nothing that looks like a secret value: no sensitive-named ConfigMap
 * keys or literal env values, no private keys or tokens, no long random strings. Known
 * non-secrets are exempt: config checksums, image digests, Vault agent annotations (paths
 * and templates, never values).
 */
export function secretViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if (o.kind === 'Secret') {
      out.push(`${id(o)}: Secret object`);
      continue;
    }
    if (o.kind === 'ConfigMap') {
      for (const key of Object.keys((o as Json).data ?? {})) {
        if (SENSITIVE_NAME.test(key)) out.push(`${id(o)}: ConfigMap key "${key}" looks secret`);
      }
    }
    walk(o, [], (path, value) => {
      const key = path[path.length - 1] ?? '';
      const where = `${id(o)} at ${path.join('.')}`;
      if (key.startsWith('checksum/') || key.startsWith('vault.hashicorp.com/')) return;
      if (key === 'image') return;
      if (KNOWN_FORMATS.some((re) => re.test(value))) out.push(`${where}: contains a key or token`);
      else if (looksRandom(value)) out.push(`${where}: high-entropy value`);
    });
    const spec = podTemplate(o)?.spec;
    for (const c of spec ? containers(spec) : []) {
      for (const e of c.env ?? []) {
        if (SENSITIVE_NAME.test(e.name) && typeof e.value === 'string' && e.value !== '') {
          out.push(`${id(o)} container ${c.name}: env ${e.name} has a literal value`);
        }
      }
    }
  }
  return out;
}

function selects(selector: Json, labels: Record<string, string>): boolean {
  if (selector?.matchExpressions?.length) return false; // not used here; never assume coverage
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Every workload's pods selected by NetworkPolicies for both ingress and egress. */
export function networkPolicyViolations(objects: readonly ManifestObject[]): string[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as Json[];
  const out: string[] = [];
  for (const o of objects) {
    const template = podTemplate(o);
    if (!template) continue;
    const labels = template.metadata?.labels ?? {};
    const applying = policies.filter(
      (p) => p.metadata.namespace === o.metadata.namespace && selects(p.spec.podSelector, labels),
    );
    for (const direction of ['Ingress', 'Egress']) {
      if (!applying.some((p) => (p.spec.policyTypes ?? []).includes(direction))) {
        out.push(`${id(o)}: no NetworkPolicy restricts ${direction.toLowerCase()}`);
      }
    }
  }
  return out;
}

const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const PREFIX = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'more than one "/"';
  const name = parts[parts.length - 1] ?? '';
  if (parts.length === 2 && !PREFIX.test(parts[0] ?? '')) return 'prefix is not a DNS subdomain';
  if (!QUALIFIED_NAME.test(name))
    return 'name part is not a qualified name of at most 63 characters';
  return undefined;
}

/**
 * Label and annotation keys, and label values, as the API server validates them (the JSON
 * schemas only say "string"): pod template metadata included.
 */
export function metadataViolations(objects: readonly ManifestObject[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const metas: [string, Json][] = [['metadata', o.metadata]];
    const template = podTemplate(o);
    if (template) metas.push(['pod template', template.metadata ?? {}]);
    for (const [where, meta] of metas) {
      for (const [field, map] of [
        ['label', meta.labels],
        ['annotation', meta.annotations],
      ] as const) {
        for (const [key, value] of Object.entries((map ?? {}) as Record<string, string>)) {
          const problem = keyProblem(key);
          if (problem) out.push(`${id(o)} ${where} ${field} "${key}": ${problem}`);
          if (field === 'label' && (value.length > 63 || !LABEL_VALUE.test(value))) {
            out.push(
              `${id(o)} ${where} label "${key}": value "${value}" is not a valid label value`,
            );
          }
        }
      }
    }
  }
  return out;
}

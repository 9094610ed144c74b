import { ManifestObject } from '../render';
import { containers, dataOf, id, podTemplate, walkStrings } from './objects';

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

/** What the secret policy may allow. */
export interface SecretPolicyOptions {
  /**
   * Secret objects are expected (secrets delivered by a Kubernetes Secret, as in dev): they are
   * not reported and their data is not scanned. Everything else still is.
   * @default false
   */
  readonly secretObjectsAllowed?: boolean;
}

/**
 * No Secret objects and nothing that looks like a secret value: no sensitive-named ConfigMap
 * keys or literal env values, no private keys or tokens, no long random strings. Known
 * non-secrets are exempt: config checksums, image references, Vault agent annotations (paths
 * and templates, never values).
 */
export function secretViolations(
  objects: readonly ManifestObject[],
  options: SecretPolicyOptions = {},
): string[] {
  const out: string[] = [];
  for (const o of objects) {
    if (o.kind === 'Secret') {
      if (!(options.secretObjectsAllowed ?? false)) out.push(`${id(o)}: Secret object`);
      continue;
    }
    if (o.kind === 'ConfigMap') {
      for (const key of Object.keys(dataOf(o))) {
        if (SENSITIVE_NAME.test(key)) out.push(`${id(o)}: ConfigMap key "${key}" looks secret`);
      }
    }
    walkStrings(o, [], (path, value) => {
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

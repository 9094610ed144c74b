// Which keys the stack may set under the project's namespace. Pulumi hands a program every key of
// the stack and leaves it to the program to read them, so a misspelt key (`workersCount`) would
// be ignored and its default used without a word. Pulumi.yaml's `config:` section declares every
// key the program reads (tests/config/stack.test.ts keeps the two in step), so it is the one list
// of known keys: anything else under the namespace is refused before any resource is created.
import { parse } from 'yaml';
import { ConfigError, ConfigIssue } from './errors';

/**
 * Keys the program once read and no longer does, with what a stack that still sets one should do
 * instead: "did you mean" would point such a key at an unrelated one.
 */
export const RETIRED_KEYS: Readonly<Record<string, string>> = {
  kubernetesMinor:
    'removed (pulumi config rm kubernetesMinor): the Kubernetes version is no longer a stack setting; the nodes install KUBERNETES_VERSION from infra/config/nodes.ts',
};

/** The keys Pulumi.yaml's `config:` section declares for `namespace`, without the prefix. */
export function declaredKeys(pulumiYaml: string, namespace: string): string[] {
  const project = parse(pulumiYaml) as { config?: Record<string, unknown> } | null;
  return Object.keys(project?.config ?? {}).flatMap((key) => {
    // A key without a namespace belongs to the project.
    if (!key.includes(':')) return [key];
    return key.startsWith(`${namespace}:`) ? [key.slice(namespace.length + 1)] : [];
  });
}

/**
 * One issue per key the stack sets under `namespace` that is not in `known`, with the closest
 * known key suggested. `all` is Pulumi's whole configuration ("namespace:key" -> value); keys of
 * other namespaces (gcp:, kubernetes:) belong to their providers and are left alone. Values are
 * left out of the messages: a misspelt secret key is still a secret.
 */
export function unknownKeyIssues(
  all: Readonly<Record<string, string>>,
  namespace: string,
  known: readonly string[],
): ConfigIssue[] {
  return Object.keys(all)
    .filter((key) => key.startsWith(`${namespace}:`))
    .map((key) => key.slice(namespace.length + 1))
    .filter((key) => !known.includes(key))
    .sort()
    .map((key) => ({
      key: `${namespace}.${key}`,
      value: undefined,
      hideValue: true,
      allowed:
        RETIRED_KEYS[key] ??
        `a key that Pulumi.yaml declares: did you mean "${closest(key, known)}"?`,
    }));
}

/**
 * Throws one ConfigError naming every unknown key under `namespace`, judged against the keys
 * `pulumiYaml` (the text of Pulumi.yaml) declares.
 */
export function refuseUnknownKeys(
  all: Readonly<Record<string, string>>,
  namespace: string,
  pulumiYaml: string,
): void {
  const issues = unknownKeyIssues(all, namespace, declaredKeys(pulumiYaml, namespace));
  if (issues.length > 0) throw new ConfigError(issues);
}

/** The candidate fewest edits away from `word` (the first such, in the candidates' order). */
export function closest(word: string, candidates: readonly string[]): string {
  let best = candidates[0] ?? '';
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/**
 * Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: the optimal
 * string alignment distance, so that a typed transposition ("wokrerCount") counts as one slip.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j]: distance between the first i characters of a and the first j of b.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, at(i - 2, j - 2) + 1);
      row[j] = d;
    }
  }
  return at(a.length, b.length);
}

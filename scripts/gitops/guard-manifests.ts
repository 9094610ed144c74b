// `ts-node --transpile-only scripts/gitops/guard-manifests.ts <dir-or-file>...`: the last check
// before rendered manifests leave CI. It parses every YAML or JSON file (multi-document, `List`
// items, any quoting, comments or line endings) and refuses a Secret of any spelling, plus
// whatever the secret-values output policy finds (keys, tokens, literal passwords). A line
// match cannot see `kind: "Secret"` or a Secret inside a List; a parser can. A file that does
// not parse is refused too: what cannot be read cannot be vouched for.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { secretViolations } from '../../infra/apps/policies/secrets';
import { ManifestObject } from '../../infra/apps/render';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** Every manifest file under `path` (or `path` itself), sorted for stable messages. */
export function manifestFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => {
      const child = join(path, entry);
      if (statSync(child).isDirectory()) return manifestFiles(child);
      return MANIFEST_FILE.test(entry) ? [child] : [];
    });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The objects of one parsed document: itself, and the items of a List (nested too). */
function objectsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsOf);
  if (!isRecord(value)) return [];
  const items = Array.isArray(value.items) ? value.items.flatMap(objectsOf) : [];
  return [value, ...items];
}

/** One line per problem in one file's text; `name` is how messages name the file. */
export function guardText(name: string, text: string): string[] {
  const problems: string[] = [];
  const objects: Record<string, unknown>[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push(`${name}: document ${index + 1} does not parse: ${doc.errors[0]?.message}`);
      return;
    }
    objects.push(...objectsOf(doc.toJS({ maxAliasCount: 100 })));
  });
  for (const o of objects) {
    const kind = typeof o.kind === 'string' ? o.kind.trim() : '';
    // The API server matches kinds exactly; refusing every spelling costs nothing.
    if (kind.toLowerCase() === 'secret' && kind !== 'Secret') {
      problems.push(`${name}: ${describe(o)}: Secret object`);
    }
  }
  const manifests = objects.filter(
    (o) => typeof o.kind === 'string' && !Array.isArray(o.items),
  ) as unknown as ManifestObject[];
  const withMetadata = manifests.map((o) => (isRecord(o.metadata) ? o : { ...o, metadata: {} }));
  for (const violation of secretViolations(withMetadata as ManifestObject[])) {
    problems.push(`${name}: ${violation}`);
  }
  return problems;
}

function describe(o: Record<string, unknown>): string {
  const metadata = isRecord(o.metadata) ? o.metadata : {};
  return `${String(o.kind)}/${typeof metadata.name === 'string' ? metadata.name : '<unnamed>'}`;
}

/** One line per problem in every manifest file under `paths`. */
export function guardPaths(paths: readonly string[], base = process.cwd()): string[] {
  return paths.flatMap((path) =>
    manifestFiles(path).flatMap((file) =>
      guardText(relative(base, file) || file, readFileSync(file, 'utf8')),
    ),
  );
}

function main(argv: readonly string[]): number {
  if (argv.length === 0) {
    console.error('usage: guard-manifests.ts <dir-or-file>...');
    return 2;
  }
  const problems = guardPaths(argv);
  if (problems.length > 0) {
    console.error(`guard: refusing to publish:\n${problems.join('\n')}`);
    return 1;
  }
  console.log(`guard: ${argv.join(', ')}: no Secret, no secret value`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

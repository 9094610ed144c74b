import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where a checkout keeps its generated dev secret values (git-ignored). */
export function devSecretsFile(root: string): string {
  return join(root, '.secrets', 'dev.json');
}

/**
 * Secret values for the dev profile. They are generated on first use and kept in a
 * git-ignored file (mode 0600), so dev output is stable between runs on one machine while no
 * secret value is ever committed. Delete the file to rotate them.
 */
export function loadDevSecrets(
  file: string,
  properties: readonly string[],
): Record<string, string> {
  let stored: Record<string, string> = {};
  if (existsSync(file)) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      Object.values(parsed).some((v) => typeof v !== 'string')
    ) {
      throw new Error(
        `${file} must hold a JSON object of string values; delete it to generate new dev secrets`,
      );
    }
    stored = parsed as Record<string, string>;
  }
  const missing = properties.filter((p) => !stored[p]);
  if (missing.length > 0) {
    for (const property of missing) stored[property] = randomBytes(24).toString('base64url');
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  }
  return Object.fromEntries(properties.map((p) => [p, stored[p] ?? '']));
}

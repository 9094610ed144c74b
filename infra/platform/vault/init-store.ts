// Where Vault's init material (unseal or recovery keys) is kept, outside the cluster: a 0600
// file under the deployer's home on minikube, a Secret Manager secret (CMEK) on gcp. Both are
// written once and refuse to overwrite.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InitMaterial, InitStore } from './init';

/** Runs synchronous store work as a promise: a throw becomes a rejection. */
function attempt<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

function parseMaterial(text: string, where: string): InitMaterial {
  const m = JSON.parse(text) as Partial<InitMaterial>;
  if (!Array.isArray(m.keys) || (m.keyKind !== 'unseal' && m.keyKind !== 'recovery'))
    throw new Error(`${where} does not hold Vault init material ({"keys": [...], "keyKind": ...})`);
  return { keys: m.keys, keyKind: m.keyKind };
}

/** The minikube default: ~/.config/k8s-platform/<stack>/vault-init.json. */
export function defaultInitFile(stack: string, home = homedir()): string {
  if (!/^[A-Za-z0-9._-]+$/.test(stack))
    throw new Error(`stack "${stack}" cannot name a folder: letters, digits, ".", "_", "-" only`);
  return join(home, '.config', 'k8s-platform', stack, 'vault-init.json');
}

/** A file readable by its owner only, in a folder only its owner can enter. */
export function fileInitStore(path: string): InitStore {
  return {
    description: `file ${path}`,
    load: () =>
      attempt(() =>
        existsSync(path) ? parseMaterial(readFileSync(path, 'utf8'), `file ${path}`) : undefined,
      ),
    save: (material) =>
      attempt(() => {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        // "wx": fails if the file exists, so material is never overwritten.
        writeFileSync(path, JSON.stringify(material), { mode: 0o600, flag: 'wx' });
      }),
  };
}

/** Runs gcloud with stdin; returns its exit status and output. */
export type Gcloud = (
  args: readonly string[],
  input?: string,
) => { status: number; stdout: string; stderr: string };

export const gcloud: Gcloud = (args, input) => {
  const r = spawnSync('gcloud', args, { input, encoding: 'utf8' });
  if (r.error) throw new Error(`gcloud could not run: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/**
 * A Secret Manager secret the stack created (encrypted with its KMS key), written through the
 * deployer's gcloud credentials. Its first version is the material; a second is never added.
 */
export function secretManagerInitStore(project: string, secret: string, run = gcloud): InitStore {
  const where = `Secret Manager secret ${secret} (project ${project})`;
  const load = (): InitMaterial | undefined => {
    const r = run([
      'secrets',
      'versions',
      'access',
      'latest',
      `--secret=${secret}`,
      `--project=${project}`,
    ]);
    if (r.status === 0) return parseMaterial(r.stdout, where);
    // A secret without versions answers NOT_FOUND (a missing secret too: then save fails loudly);
    // anything else, such as no access, is an error rather than "nothing stored".
    if (/NOT_FOUND/.test(r.stderr)) return undefined;
    throw new Error(`reading ${where}: ${r.stderr.trim().slice(0, 300)}`);
  };
  return {
    description: where,
    load: () => attempt(load),
    save: (material) =>
      attempt(() => {
        if (load())
          throw new Error(`${where} already holds init material; refusing to add another`);
        const r = run(
          ['secrets', 'versions', 'add', secret, `--project=${project}`, '--data-file=-'],
          JSON.stringify(material),
        );
        if (r.status !== 0) throw new Error(`writing ${where}: ${r.stderr.trim().slice(0, 300)}`);
      }),
  };
}

// How a Pulumi local Command runs one of the repository's own TypeScript programs (the
// readiness waits, a node drain, Vault's init step): this Node, ts-node without type checks,
// from the repository root.
import { resolve } from 'node:path';

/** The repository's root folder. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The command line that runs `script` (a path from the root) with `args`, and its folder. */
export function repoScript(script: string, ...args: string[]): { command: string; dir: string } {
  const command = [
    `"${process.execPath}" --require ts-node/register/transpile-only ${script}`,
    ...args,
  ].join(' ');
  return { command, dir: REPO_ROOT };
}

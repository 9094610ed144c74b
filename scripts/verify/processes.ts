import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Long-running helpers (servers) that verify starts, with their logs in one throwaway folder.
 * stop() ends every one of them and removes the folder; callers run it on exit and on
 * SIGINT/SIGTERM. The local cluster is one such group; a part that needs no cluster (the API
 * contract) uses a bare one.
 */
export class ProcessGroup {
  private readonly children: ChildProcess[] = [];
  private readonly groups: ProcessGroup[] = [];
  protected readonly dir: string;

  /** `prefix` names the throwaway folder under the system's temporary folder. */
  constructor(prefix = 'verify-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  /**
   * Starts a long-running helper (another server) that stop() also ends. `user` runs it under
   * another uid and gid (PostgreSQL refuses root); it is still this process's child, by PID.
   * Its output goes to `log` in the group's folder; with `stdout: 'pipe'` its stdout is read.
   */
  launch(
    binary: string,
    args: string[],
    log: string,
    env?: NodeJS.ProcessEnv,
    user?: { readonly uid: number; readonly gid: number },
    stdout: 'log' | 'pipe' = 'log',
  ): ChildProcess {
    const out = openSync(join(this.dir, log), 'a');
    const child = spawn(binary, args, {
      stdio: ['ignore', stdout === 'pipe' ? 'pipe' : out, out],
      env: env ?? process.env,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    this.children.push(child);
    return child;
  }

  /** Makes stop() also stop another group (a part that starts clusters of its own); returns it. */
  adopt<T extends ProcessGroup>(group: T): T {
    this.groups.push(group);
    return group;
  }

  /** A scratch folder inside the group's own, removed by stop(). */
  scratch(name: string): string {
    const d = join(this.dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** Throws when a helper has already exited, naming the folder that holds its log. */
  protected assertRunning(): void {
    for (const child of this.children) {
      if (child.exitCode !== null)
        throw new Error(`${child.spawnfile} exited early; see ${this.dir}`);
    }
  }

  /** Stops every helper at once and removes their folder. Safe to call more than once. */
  stop(removeFolder = true): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const group of this.groups) group.stop();
    if (removeFolder) this.removeFolder();
  }

  protected removeFolder(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** stop(), then waits (at most 10 s) until each helper has exited, so none is left behind. */
  async stopAndWait(): Promise<void> {
    await Promise.all(this.groups.map((group) => group.stopAndWait()));
    const exits = this.children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => child.once('exit', () => resolve())),
    );
    this.stop();
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 10_000).unref())]);
    this.children.length = 0;
  }
}
